"""The one tag: /c/<key>.js (CDN-cacheable, revalidated) and its pinned, immutable twin for SRI."""

import hashlib

from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_safe

from consent.banner import selectors
from consent.edge.caching import cached_response
from consent.edge.ratelimit import limit_client
from consent.regions.request import region_vary, request_region

JS = "text/javascript; charset=utf-8"
# A new published version is live within five minutes; a CDN may serve a stale copy while it refreshes.
LIVE_CACHE = "public, max-age=300, stale-while-revalidate=3600"
PINNED_CACHE = "public, max-age=31536000, immutable"


def _js_error(status: int, message: str) -> HttpResponse:
    # A script tag ignores the status: say why in the console, and never block the page.
    body = f"console.warn({message!r});\n"
    return HttpResponse(body, status=status, content_type=JS, headers={"Cache-Control": "public, max-age=60"})


@require_safe
def script(request: HttpRequest, key: str) -> HttpResponse:
    """Serve the bundle with the site's latest published version inlined."""
    if refused := limit_client(request, scope="script", read=True):
        return refused
    site = selectors.site_public_get(key=key)
    version = selectors.version_latest(site=site) if site else None
    if site is None or version is None:
        return _js_error(404, f"assent: no published banner for site {key}")
    region = request_region(request)
    body = selectors.script_render(config=selectors.banner_config(site=site, version=version, region=region))
    response = cached_response(
        request,
        body,
        content_type=JS,
        etag=hashlib.sha256(body).hexdigest()[:32],
        cache_control=LIVE_CACHE,
        # Lets customers add crossorigin + integrity; the script carries nothing private.
        Access_Control_Allow_Origin="*",
    )
    region_vary(response, request)
    return response


@require_safe
def script_pinned(request: HttpRequest, key: str, number: int, digest: str) -> HttpResponse:
    """Serve one version's script at a URL whose bytes never change (for Subresource Integrity)."""
    if refused := limit_client(request, scope="script", read=True):
        return refused
    site = selectors.site_public_get(key=key)
    version = selectors.version_numbered(site=site, number=number) if site else None
    if site is None or version is None:
        return _js_error(404, f"assent: no banner version {number} for site {key}")
    body = selectors.script_render(config=selectors.banner_config(site=site, version=version))
    if selectors.script_digest(body) != digest:
        # The site's settings or Assent itself changed since this URL was issued: its bytes would differ.
        return _js_error(404, f"assent: this pinned URL is out of date; get the current one from {key}/embed")
    return cached_response(
        request, body, content_type=JS, etag=digest, cache_control=PINNED_CACHE, Access_Control_Allow_Origin="*"
    )
