"""The region of one request, with the operator's preview override."""

from django.conf import settings
from django.http import HttpRequest, HttpResponse

from consent.edge.address import client_address
from consent.regions.codes import region_code_check
from consent.regions.resolution import UNKNOWN, RegionSignal, preset_parse, region_resolve

PREVIEW_PARAMETER = "region"


def _preview(request: HttpRequest) -> RegionSignal | None:
    """Return the region a developer or a signed-in operator asked to preview (`?region=US-CA`), if allowed."""
    asked = request.GET.get(PREVIEW_PARAMETER, "")
    if not asked:
        return None
    user = getattr(request, "user", None)
    if not (settings.DEBUG or (user is not None and user.is_authenticated and user.is_staff)):
        return None  # a visitor may not choose the law that applies to them
    try:
        code = region_code_check(asked)
    except ValueError:
        return None
    country, _, _ = code.partition("-")
    return RegionSignal(country=country, subdivision=code if "-" in code else "", source="preview")


def request_region(request: HttpRequest) -> RegionSignal:
    """Return where the visitor is: a preview when allowed, else the trusted header or the GeoIP2 file."""
    preview = _preview(request)
    if preview is not None:
        return preview
    return region_resolve(
        request.META,
        address=client_address(request),
        headers=settings.ASSENT_REGION_HEADERS,
        geoip_path=settings.ASSENT_GEOIP_DATABASE,
    )


def region_vary(response: HttpResponse, request: HttpRequest) -> None:
    """Tell caches what a regional answer depends on: the region headers, or the client (GeoIP, preview)."""
    parsed = preset_parse(settings.ASSENT_REGION_HEADERS)
    if parsed is not None:
        names = [name for name in (parsed[1].country, parsed[1].region) if name]
        vary = [name.removeprefix("HTTP_").replace("_", "-").title() for name in names]
        existing = [v for v in (response.get("Vary") or "").split(",") if v.strip()]
        response["Vary"] = ", ".join([*existing, *vary])
    if (settings.ASSENT_GEOIP_DATABASE and parsed is None) or request.GET.get(PREVIEW_PARAMETER):
        # The answer depends on the client's address or session: no shared cache may keep it.
        response["Cache-Control"] = "private, max-age=60"


__all__ = ["UNKNOWN", "RegionSignal", "region_vary", "request_region"]
