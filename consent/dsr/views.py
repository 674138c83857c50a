"""The hosted pages: the request form, the identity confirmation, and the export download.

They work without any script and are served under the account pages' strict CSP (no script at all).
"""

from typing import Any

from django.conf import settings
from django.http import FileResponse, Http404, HttpRequest, HttpResponseBase
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import translation
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_safe

from consent.accounts.views.pages import page_csp
from consent.banner.services import ip_truncate
from consent.dsr import files, selectors, services
from consent.dsr.admission import admit
from consent.dsr.errors import DsrInputError, TokenInvalid
from consent.dsr.forms import RequestForm
from consent.dsr.models import DataSubjectRequest, Jurisdiction
from consent.models import Site
from consent.regions.request import UNKNOWN, RegionSignal, request_region

_LANGUAGES = {code for code, _name in settings.LANGUAGES}
# Placeholders swapped for the real token after reverse(), which would refuse braces in a slug.
_TOKEN = "TOKEN-PLACEHOLDER"  # noqa: S105


def _language(request: HttpRequest) -> str:
    lang = request.GET.get("lang") or request.POST.get("lang") or ""
    if lang in _LANGUAGES:
        translation.activate(lang)
        request.LANGUAGE_CODE = lang
    return translation.get_language() or settings.LANGUAGE_CODE


def absolute(request: HttpRequest, path: str) -> str:
    """Return an absolute URL for a path: the configured public base URL, else the request's host."""
    base = settings.PUBLIC_BASE_URL
    return f"{base}{path}" if base else request.build_absolute_uri(path)


def verify_url(request: HttpRequest, site: Site) -> str:
    """Return the identity link of a site's requests, with a {token} placeholder."""
    path = reverse("dsr:verify", kwargs={"key": site.key, "token": _TOKEN})
    return absolute(request, path).replace(_TOKEN, "{token}")


def download_url(request: HttpRequest) -> str:
    """Return the export download link, with {token} and {filename} placeholders."""
    path = reverse("dsr:download", kwargs={"token": _TOKEN, "filename": "export.json"})
    return absolute(request, path).replace(_TOKEN, "{token}").replace("export.json", "{filename}")


def request_file(
    request: HttpRequest, *, site: Site, data: dict[str, Any], locale: str, region: RegionSignal = UNKNOWN
) -> DataSubjectRequest:
    """File a request from the hosted form's or the API's validated fields (the region: a visitor's, if known)."""
    return services.request_receive(
        site=site,
        right=data["right"],
        jurisdiction=data["jurisdiction"],
        email=data["email"],
        customer_id=data["customer_id"],
        details=data["details"],
        agent_name=data["agent_name"],
        agent_email=data["agent_email"],
        # The form gives an empty value for no file; the API leaves the field out.
        proof=data.get("agent_proof") or None,
        locale=locale,
        verify_url=verify_url(request, site),
        region=region,
        # Only the API names one; the hosted form's clock follows the visitor's region.
        regulation=data.get("regulation", ""),
    )


def _default_jurisdiction(lang: str) -> str:
    # Only a pre-selection the person can change; Japanese readers are most likely in Japan.
    return Jurisdiction.JP if lang == "ja" else Jurisdiction.EU


@never_cache
@page_csp
@require_http_methods(["GET", "HEAD", "POST"])
def request_form(request: HttpRequest, key: str) -> HttpResponseBase:
    """Show the request form of a site, and file what it sends."""
    site = get_object_or_404(Site, key=key)
    lang = _language(request)
    form = RequestForm(initial={"jurisdiction": _default_jurisdiction(lang)})
    status = 200
    if request.method == "POST":
        form = RequestForm(request.POST, request.FILES)
        refused = admit(request, site=site)
        if refused is not None:
            form.add_error(None, translation.gettext("Too many requests; please try again in a minute."))
            status = 429
        elif form.is_valid():
            try:
                request_file(request, site=site, data=form.cleaned_data, locale=lang, region=request_region(request))
            except DsrInputError as exc:
                form.add_error(exc.field if exc.field in form.fields else None, exc.message)
            else:
                return render(request, "dsr/sent.html", {"site": site, "lang": lang})
        if status == 200:
            status = 400
    return render(request, "dsr/form.html", {"site": site, "form": form, "lang": lang}, status=status)


@never_cache
@page_csp
@require_http_methods(["GET", "HEAD", "POST"])
def request_verify(request: HttpRequest, key: str, token: str) -> HttpResponseBase:
    """Confirm a request: GET asks (mail scanners follow links), POST uses the one-time link."""
    site = get_object_or_404(Site, key=key)
    lang = _language(request)
    if request.method != "POST":
        return render(request, "dsr/verify.html", {"site": site, "token": token, "lang": lang})
    try:
        dsr = services.request_verify(site=site, token=token)
    except TokenInvalid:
        return render(request, "dsr/verify_failed.html", {"site": site, "lang": lang}, status=410)
    services.access_log_record(
        actor=f"requester:{dsr.email}",
        action="dsr.verified",
        subject_ref=f"request:{dsr.id}",
        site=site,
        ip=ip_truncate(request.META.get("REMOTE_ADDR", "")),
    )
    return render(request, "dsr/verified.html", {"site": site, "request_obj": dsr, "lang": lang})


@never_cache
@require_safe
def export_download(request: HttpRequest, token: str, filename: str) -> HttpResponseBase:
    """Hand out a fulfilled request's export while its signed link lasts."""
    dsr = selectors.request_for_download(token=token)
    if dsr is None or filename not in {"export.json", "summary.html"}:
        raise Http404
    path = files.export_path(dsr.export_dir, filename)
    if not path.exists():
        raise Http404
    services.access_log_record(
        actor=f"requester:{dsr.email}",
        action="dsr.export_downloaded",
        subject_ref=dsr.customer_id,
        site=dsr.site,
        ip=ip_truncate(request.META.get("REMOTE_ADDR", "")),
    )
    content_type = "application/json" if filename.endswith(".json") else "text/html; charset=utf-8"
    response = FileResponse(path.open("rb"), content_type=content_type, as_attachment=True, filename=filename)
    response["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'; sandbox"
    response["Cache-Control"] = "no-store"
    return response
