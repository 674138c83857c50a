"""Which sites' dashboards a user may open: those of their organizations (every site for superusers)."""

from django.db.models import QuerySet
from django.http import Http404, HttpRequest

from consent.console.roles import Role, is_platform_admin, organizations_with
from consent.models import Site


def dashboard_sites(request: HttpRequest) -> QuerySet[Site]:
    """Return the sites whose dashboards the user may open, by organization and name."""
    sites = Site.objects.select_related("organization").order_by("organization__name", "name", "key")
    if not is_platform_admin(request):
        sites = sites.filter(organization_id__in=organizations_with(request, Role.ANALYST))
    return sites


def dashboard_site(request: HttpRequest, site_key: str) -> Site:
    """Return the site whose dashboard is asked for, or 404 if it is not the user's to see."""
    site = dashboard_sites(request).filter(key=site_key).first()
    if site is None:
        raise Http404
    return site
