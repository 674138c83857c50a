"""The banner preview: the real bundle, given the draft's configuration, inside a sandboxed frame.

The frame has an opaque origin (sandbox without allow-same-origin), so it cannot reach the console
or its cookies. It therefore loads the script through a short-lived signed URL instead of the session,
and its CSP forbids every connection: a preview never records an impression or a choice.
"""

from typing import Any

from django.core import signing
from django.http import Http404, HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import reverse
from django.views.decorators.clickjacking import xframe_options_sameorigin

from consent import services
from consent.banner import selectors as banner_selectors
from consent.banner.theme import theme_config
from consent.console.dashboard.access import dashboard_site
from consent.models import Site

LAYERS = ("banner", "preferences")
TOKEN_SALT = "consent.console.preview"  # noqa: S105 - a namespace for signatures, not a secret
TOKEN_MAX_AGE = 3600
PREVIEW_CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'none'; "
    "base-uri 'none'; form-action 'none'; frame-ancestors 'self'; "
    "require-trusted-types-for 'script'; trusted-types assent"
)


def preview_config(*, site: Site) -> dict[str, Any]:
    """Return the script's configuration for the draft, with every endpoint pointing nowhere."""
    content = services.banner_content(site=site)
    config: dict[str, Any] = {
        "site": site.key,
        "banner_version": "preview",
        "number": 0,
        "revision": 0,
        "policy_url": content["policy_url"],
        "locales": content["locales"],
        "default_locale": content["default_locale"],
        "purposes": content["purposes"],
        "texts": content["texts"],
        "lifetime_days": site.consent_lifetime_days,
        # The preview shows what a visitor without the signal sees.
        "honour_gpc": False,
        "cookie_domain": "",
        "endpoints": dict.fromkeys(banner_selectors.endpoints_for(key=site.key), "about:blank"),
    }
    # The draft theme, applied exactly as a published version's would be.
    if content.get("theme") and (theme := theme_config(content["theme"])) is not None:
        config["theme"] = theme
    return config


@xframe_options_sameorigin
def preview_page(request: HttpRequest, site_key: str, locale: str, layer: str) -> HttpResponse:
    """Render the page the preview frame shows: the banner alone, in one locale and layer."""
    site = dashboard_site(request, site_key)
    if layer not in LAYERS or locale not in site.locales:
        raise Http404
    token = signing.dumps({"site": site.key}, salt=TOKEN_SALT)
    script_url = reverse("admin:console_preview_script", args=[site.key]) + f"?t={token}"
    response = TemplateResponse(
        request, "console/preview.html", {"site": site, "locale": locale, "layer": layer, "script_url": script_url}
    )
    response["Content-Security-Policy"] = PREVIEW_CSP
    response["Cache-Control"] = "no-store"
    return response


def preview_script(request: HttpRequest, site_key: str) -> HttpResponse:
    """Serve the bundle with the draft configuration, to a frame holding a fresh signed token."""
    try:
        claims = signing.loads(request.GET.get("t", ""), salt=TOKEN_SALT, max_age=TOKEN_MAX_AGE)
    except signing.BadSignature:
        raise Http404 from None
    site = Site.objects.filter(key=site_key).first()
    if site is None or claims.get("site") != site.key:
        raise Http404
    try:
        body = banner_selectors.script_render(config=preview_config(site=site))
    except services.BannerIncomplete as exc:
        body = f"console.warn({str(exc)!r});\n".encode()
    return HttpResponse(body, content_type="text/javascript; charset=utf-8", headers={"Cache-Control": "no-store"})
