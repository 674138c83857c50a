"""The hosted account pages: sign-in, the privacy page with its toggles, receipts, export and erasure.

Who is signed in decides whose consent is shown: a login of this server stands for the customer user
ids an operator bound to it (AccountBinding), each on its one site; a person who came through a
customer's signed link stands for that user id on that one site.
"""

import functools
import json
import secrets
import uuid
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib.auth import logout
from django.contrib.auth import views as auth_views
from django.core.cache import cache
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.decorators import method_decorator
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST, require_safe

from consent.accounts import selectors, services, words
from consent.accounts.tokens import IdentityTokenInvalid, token_verify
from consent.banner.services import ip_truncate
from consent.edge.address import client_address
from consent.edge.ratelimit import limit_client
from consent.models import Site, Subject

SESSION_IDENTITY = "accounts_identity"
LINK_SESSION_SECONDS = 3600
LANGUAGE_CODES = {code for code, _name in settings.LANGUAGES}


def _language(request: HttpRequest) -> str | None:
    """Switch to the language asked for with ?lang= (remembered in a cookie); return it when asked."""
    lang = request.GET.get("lang")
    if lang in LANGUAGE_CODES:
        translation.activate(lang)
        request.LANGUAGE_CODE = lang
        return lang
    return None


def page_csp(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
    """Serve a page under a strict Content Security Policy: no script at all, only its own nonced style."""

    @functools.wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        nonce = secrets.token_urlsafe(16)
        request.csp_nonce = nonce  # type: ignore[attr-defined]
        response = view(request, *args, **kwargs)
        response["Content-Security-Policy"] = (
            f"default-src 'none'; style-src 'nonce-{nonce}'; img-src 'self'; form-action 'self'; "
            "base-uri 'none'; frame-ancestors 'none'"
        )
        return response

    return wrapped


def _remember_language(response: HttpResponseBase, lang: str | None) -> HttpResponseBase:
    if lang:
        response.set_cookie(settings.LANGUAGE_COOKIE_NAME, lang, max_age=365 * 86400, samesite="Lax")
    return response


class Person:
    """Whoever is signed in, as the customer user id they stand for on each site they may open."""

    def __init__(self, *, accounts: list[tuple[Site, str]], via_link: bool) -> None:
        self.accounts = accounts  # (site, customer user id): a signed link's one site, or a login's bindings
        self.via_link = via_link

    @property
    def user_id(self) -> str:
        """Return the customer user id shown in the page's heading (the first site's)."""
        return self.accounts[0][1] if self.accounts else ""

    def sites(self) -> list[tuple[Site, Subject | None]]:
        """Return the sites to show, each with the person's subject there (None until they decide)."""
        return [(site, selectors.user_subject(site=site, external_id=user_id)) for site, user_id in self.accounts]

    def site_get(self, key: str) -> tuple[Site, str, Subject | None]:
        """Return one of the person's sites by key with their user id and subject there, or raise Http404."""
        for site, user_id in self.accounts:
            if site.key == key:
                return site, user_id, selectors.user_subject(site=site, external_id=user_id)
        raise Http404("not one of your sites")


def _person(request: HttpRequest) -> Person | None:
    identity = request.session.get(SESSION_IDENTITY)
    if identity:
        site = Site.objects.select_related("organization").filter(key=identity["site"]).first()
        return Person(accounts=[(site, identity["user"])], via_link=True) if site else None
    if request.user.is_authenticated:
        # Only what an operator bound: a username is no customer's user id on any tenant's site.
        return Person(accounts=selectors.account_bindings(user=request.user), via_link=False)
    return None


def _login_redirect(request: HttpRequest) -> HttpResponse:
    return HttpResponseRedirect(f"{settings.LOGIN_URL}?next={request.path}")


@require_GET
@page_csp
def link_signin(request: HttpRequest, key: str) -> HttpResponse:
    """Sign in a customer's user from the signed link their backend made: /account/link/<site>/?user=&token=."""
    if refused := limit_client(request, scope="account-link"):
        return refused
    site = get_object_or_404(Site, key=key)
    user_id, token = request.GET.get("user", ""), request.GET.get("token", "")
    try:
        if not 0 < len(user_id) <= 128:
            raise IdentityTokenInvalid("names no user")
        expiry = token_verify(secret=site.identity_secret, use="signin", site_key=key, user_id=user_id, token=token)
    except IdentityTokenInvalid:
        response = render(request, "accounts/link_refused.html", status=403)
        response["Referrer-Policy"] = "no-referrer"
        return response
    # A link is good once: a copy from a log or a shared screen opens nothing.
    if not cache.add(f"accounts:link:{token}", 1, timeout=max(1, int(expiry - timezone.now().timestamp()))):
        return render(request, "accounts/link_refused.html", status=403)
    logout(request)  # a new session: no earlier sign-in and no fixed session id carry over
    request.session[SESSION_IDENTITY] = {"site": site.key, "user": user_id}
    # The person reached us from someone else's site, maybe on a shared computer: keep it short.
    request.session.set_expiry(LINK_SESSION_SECONDS)
    request.session.save()
    # Remembered so that erasing this person ends the session too.
    services.link_session_remember(
        site=site, external_id=user_id, session_key=request.session.session_key or "", seconds=LINK_SESSION_SECONDS
    )
    response = HttpResponseRedirect(reverse("accounts:privacy"))
    response["Referrer-Policy"] = "no-referrer"
    return response


@require_safe
@never_cache
@page_csp
def privacy(request: HttpRequest) -> HttpResponseBase:
    """Show, per site, the state with toggles, the history, receipts, export and erasure."""
    lang = _language(request)
    person = _person(request)
    if person is None:
        return _login_redirect(request)
    locale = translation.get_language() or "en"
    sites = []
    for site, subject in person.sites():
        state = selectors.subject_state(site=site, subject=subject) if subject else {}
        purposes = [
            {
                **purpose,
                "state": state.get(purpose["slug"]),
                "source_label": words.SOURCES.get(state[purpose["slug"]]["source"]) if purpose["slug"] in state else "",
            }
            for purpose in selectors.purposes_shown(site=site, locale=locale)
        ]
        history = (
            [_entry_words(entry) for entry in selectors.subject_history(site=site, subject=subject)] if subject else []
        )
        # The newest withdrawals are what a person checks; older ones stay in the export.
        withdrawals = [row["entry"].receipt_id for row in history if row["withdrawal"]][:20]
        told = selectors.receipt_deliveries(site=site, receipt_ids=withdrawals)
        for row in history:
            row["deliveries"] = told.get(row["entry"].receipt_id, [])
        sites.append({"site": site, "subject": subject, "purposes": purposes, "history": history})
    response = render(
        request,
        "accounts/privacy.html",
        {"person": person, "sites": sites, "erased": request.GET.get("erased") == "1", "languages": settings.LANGUAGES},
    )
    return _remember_language(response, lang)


def _entry_words(entry: selectors.HistoryEntry) -> dict[str, Any]:
    """Return a history entry with the plain words the page shows for its terms."""
    names = (entry.notice or {}).get("purposes", {})
    return {
        "entry": entry,
        "source": words.SOURCES.get(entry.source, entry.source),
        "method": words.METHODS.get(entry.method, entry.method),
        "decisions": [
            {
                "slug": slug,
                "name": names.get(slug, {}).get("name", slug),
                "granted": granted,
                "kind": entry.kinds.get(slug, ""),
            }
            for slug, granted in sorted(entry.decisions.items())
        ],
        # An objection stops processing like a withdrawal does: the person checks who was told.
        "withdrawal": bool({"withdrawn", "objected", "erased"} & set(entry.kinds.values())),
    }


def _evidence(request: HttpRequest) -> dict[str, Any]:
    return {
        "ip": ip_truncate(client_address(request)),
        "user_agent": request.headers.get("User-Agent", "")[:512],
        "page_url": request.build_absolute_uri(reverse("accounts:privacy"))[:2000],
    }


@require_POST
def choices_save(request: HttpRequest, key: str) -> HttpResponse:
    """Record the toggles of one site (or withdraw all of them) with source account_settings."""
    if refused := limit_client(request, scope="account-write"):
        return refused
    person = _person(request)
    if person is None:
        return _login_redirect(request)
    site, user_id, _subject = person.site_get(key)
    optional = [p["slug"] for p in selectors.purposes_shown(site=site, locale="en") if not p["required"]]
    if "withdraw_all" in request.POST:
        choices = dict.fromkeys(optional, False)
    else:
        choices = {slug: request.POST.get(f"purpose-{slug}") == "on" for slug in optional}
    services.account_choice_set(
        site=site,
        external_id=user_id,
        choices=choices,
        locale=translation.get_language() or site.default_locale,
        evidence=_evidence(request),
    )
    return HttpResponseRedirect(f"{reverse('accounts:privacy')}#site-{site.key}")


def _download(document: dict[str, Any], filename: str) -> HttpResponse:
    body = json.dumps(document, ensure_ascii=False, indent=2, sort_keys=True)
    response = HttpResponse(body, content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    return response


@require_safe
def receipt_download(request: HttpRequest, key: str, receipt_id: uuid.UUID) -> HttpResponse:
    """Download one receipt as an ISO/IEC TS 27560 consent record with its inclusion proofs."""
    person = _person(request)
    if person is None:
        return _login_redirect(request)
    site, _user_id, subject = person.site_get(key)
    document = selectors.receipt_document(site=site, subject=subject, receipt_id=str(receipt_id)) if subject else None
    if document is None:
        raise Http404("no such receipt of yours")
    return _download(document, f"consent-receipt-{receipt_id}.json")


@require_safe
def export_download(request: HttpRequest, key: str) -> HttpResponse:
    """Download everything held about the signed-in person on one site as JSON."""
    person = _person(request)
    if person is None:
        return _login_redirect(request)
    site, user_id, _subject = person.site_get(key)
    document = selectors.subject_export(site=site, external_id=user_id, kind=Subject.Kind.USER)
    return _download(document, f"{site.key}-my-data.json")


@require_POST
def erase(request: HttpRequest, key: str) -> HttpResponse:
    """Erase the signed-in person on one site, once they ticked the confirmation."""
    if refused := limit_client(request, scope="account-write"):
        return refused
    person = _person(request)
    if person is None:
        return _login_redirect(request)
    site, user_id, _subject = person.site_get(key)
    if request.POST.get("confirm") != "on":
        return HttpResponseRedirect(f"{reverse('accounts:privacy')}#erase-{site.key}")
    services.subject_erase(site=site, external_id=user_id, kind=Subject.Kind.USER, source="account_settings")
    if person.via_link:
        # Erasure ended every session the link opened, this one too: nothing of it may be saved again.
        logout(request)
        return HttpResponseRedirect(f"{settings.LOGIN_URL}?erased=1")
    return HttpResponseRedirect(f"{reverse('accounts:privacy')}?erased=1")


@require_POST
def signout(request: HttpRequest) -> HttpResponse:
    """End the session, whether it came from a password or a signed link."""
    logout(request)
    return HttpResponseRedirect(settings.LOGIN_URL)


@method_decorator(page_csp, name="dispatch")
class SignInView(auth_views.LoginView):
    """Django's sign-in form, with password guesses rate limited per client."""

    template_name = "accounts/login.html"
    redirect_authenticated_user = True

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if refused := limit_client(request, scope="account-login"):
            return refused
        return super().post(request, *args, **kwargs)

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        lang = _language(request)
        response = super().get(request, *args, **kwargs)
        _remember_language(response, lang)
        return response
