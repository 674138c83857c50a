"""Admission of public writes: one guard, the same steps in the same order for every endpoint."""

import json
from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest
from rest_framework import serializers

from consent.edge.errors import Refused, error_response, flatten, invalid
from consent.edge.ratelimit import limit_client, limit_site
from consent.hooks.services import ACTIVE_DESTINATIONS
from consent.models import Site


@dataclass(frozen=True)
class Admission:
    """A public write the edge let through: the site it names and its validated input."""

    site: Site
    data: dict[str, Any]


def site_not_found(key: str) -> Refused:
    """Return the refusal for a site key that names no site."""
    return Refused(error_response(404, "not_found", f"No site {key!r}."))


def body_json(request: HttpRequest, *, limit: int) -> Any:
    """Return the parsed JSON body, or refuse it: too large (413) or not JSON (400).

    The declared length is checked before a byte is read, so an oversized body is refused here
    instead of by Django's own upload limit (an HTML 400).
    """
    declared = request.META.get("CONTENT_LENGTH") or "0"
    if not declared.isdigit() or int(declared) > limit or len(request.body) > limit:
        raise Refused(error_response(413, "too_large", f"The body may be at most {limit} bytes."))
    try:
        return json.loads(request.body or b"null")
    except (ValueError, UnicodeDecodeError):
        raise Refused(invalid({"body": ["is not JSON"]})) from None


def admit(
    request: HttpRequest,
    *,
    key: str,
    scope: str,
    serializer_class: type[serializers.Serializer[Any]],
    body_limit: int,
    unknown_fields: bool = False,
) -> Admission:
    """Admit a public write: client rate, known site, body, valid input, then the site's budget.

    The site's budget is charged only once the body validates, so a flood of junk from many
    addresses cannot use up a site's writes for the minute. Raise Refused with the answer otherwise.
    """
    if refused := limit_client(request, scope=scope):
        raise Refused(refused)
    site = Site.objects.select_related("organization").annotate(**ACTIVE_DESTINATIONS).filter(key=key).first()
    if site is None:
        raise site_not_found(key)
    data = body_json(request, limit=body_limit)
    if not isinstance(data, dict):
        raise Refused(invalid({"body": ["must be a JSON object"]}))
    serializer = serializer_class(data=data)
    if not unknown_fields and (unknown := sorted(set(data) - set(serializer.fields))):
        raise Refused(invalid({name: ["is not a known field"] for name in unknown}))
    if not serializer.is_valid():
        raise Refused(invalid(flatten(serializer.errors)))
    if refused := limit_site(key, scope=scope):
        raise Refused(refused)
    return Admission(site=site, data=dict(serializer.validated_data))
