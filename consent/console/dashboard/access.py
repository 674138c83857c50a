"""Which sites' dashboards a user may open: those of their organizations (every site for superusers)."""

from django.http import Http404, HttpRequest

from consent.console.roles import Role, is_platform_admin, organizations_with
from consent.models import Site


def dashboard_site(request: HttpRequest, site_key: str) -> Site:
    """Return the site whose dashboard is asked for, or 404 if it is not the user's to see."""
    sites = Site.objects.select_related("organization")
    if not is_platform_admin(request):
        sites = sites.filter(organization_id__in=organizations_with(request, Role.ANALYST))
    site = sites.filter(key=site_key).first()
    if site is None:
        raise Http404
    return site
