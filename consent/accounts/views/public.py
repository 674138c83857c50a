"""The public endpoints of account settings: identify a visitor as a user, read a visitor's preferences."""

import re
from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.decorators import method_decorator
from django.views import View
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_safe
from rest_framework import serializers

from consent.accounts import selectors, services
from consent.accounts.tokens import IdentityTokenInvalid
from consent.edge.admission import admit
from consent.edge.errors import error_response, invalid
from consent.edge.ratelimit import limit_client
from consent.models import Site, Subject
from consent.services import ConsentInputError
from ledger import selectors as ledger_selectors

MAX_BODY = 2048
ID_PATTERN = r"^[\x21-\x7e]{1,128}$"
VISITOR_ID = re.compile(Subject.VISITOR_ID_PATTERN)


def _invalid(field: str, message: str) -> JsonResponse:
    return invalid({field: [message]})


def _site(key: str) -> Site | None:
    return Site.objects.select_related("organization").filter(key=key).first()


def _not_found(key: str) -> JsonResponse:
    return error_response(404, "not_found", f"No site {key!r}.")


def _latest_banner_version(*, site: Site, subject_pseudonym: str) -> str:
    """Return the banner version of the subject's newest choice that was made under a banner, or ""."""
    for event in ledger_selectors.subject_events(site=site.key, subject=subject_pseudonym, limit=50):
        if event.banner_version:
            return event.banner_version
    return ""


@method_decorator(csrf_exempt, name="dispatch")  # no cookies are read: the token is the credential
class IdentifyView(View):
    """Link the banner's visitor to the customer's user: POST /api/v1/public/sites/<key>/identify."""

    http_method_names = ["post", "options"]

    class InputSerializer(serializers.Serializer[Any]):
        subject = serializers.RegexField(Subject.VISITOR_ID_PATTERN, max_length=32)
        user = serializers.RegexField(ID_PATTERN, max_length=128)
        token = serializers.RegexField(r"^[0-9]{1,12}\.[0-9a-f]{64}$", max_length=80)

    def post(self, request: HttpRequest, key: str) -> HttpResponse:
        admitted = admit(request, key=key, scope="identify", serializer_class=self.InputSerializer, body_limit=MAX_BODY)
        site, valid = admitted.site, admitted.data
        try:
            user = services.subject_identify(
                site=site, visitor_id=valid["subject"], user_id=valid["user"], token=valid["token"]
            )
        except IdentityTokenInvalid as exc:
            return error_response(403, "forbidden", f"token: {exc}", {"token": [str(exc)]})
        except ConsentInputError as exc:
            return _invalid(exc.field, exc.message)
        state = selectors.subject_state(site=site, subject=user)
        return JsonResponse(
            {
                "state": {purpose: row["granted"] for purpose, row in state.items()},
                "decided": bool(state),
                "banner_version": _latest_banner_version(site=site, subject_pseudonym=user.pseudonym),
            }
        )


@require_safe
def preferences(request: HttpRequest, key: str, subject: str) -> HttpResponse:
    """Return a visitor's state per purpose (the user's, once linked) for the embedded preference centre."""
    if refused := limit_client(request, scope="preferences", read=True):
        return refused
    site = _site(key)
    if site is None:
        return _not_found(key)
    if not VISITOR_ID.match(subject):
        return _invalid("subject", "must be the banner's visitor id (32 hex digits)")
    answer = selectors.preferences_public(site=site, visitor_id=subject)
    response = JsonResponse(answer)
    # Per visitor and changing with every choice: no shared cache may keep it.
    response["Cache-Control"] = "private, no-store"
    return response
