"""The dashboard page and its CSV."""

from django.http import HttpRequest, HttpResponse

from consent.console.dashboard.access import dashboard_site


def dashboard(request: HttpRequest, site_key: str) -> HttpResponse:
    """Show one site's dashboard."""
    site = dashboard_site(request, site_key)
    return HttpResponse(site.key)


def dashboard_csv(request: HttpRequest, site_key: str) -> HttpResponse:
    """Download every chart's data of one site's dashboard as CSV."""
    site = dashboard_site(request, site_key)
    return HttpResponse(site.key, content_type="text/csv")
