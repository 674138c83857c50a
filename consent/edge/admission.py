"""Admission of public writes: one guard, the same steps in the same order for every endpoint."""

import json
import threading
from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest
from rest_framework import serializers

from consent.edge.errors import Refused, error_response, flatten, invalid
from consent.edge.ratelimit import write_charge
from consent.edge.sites import site_for_write
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


class _Validators(threading.local):
    """One bound serializer per input class and thread, built once: DRF copies every declared field
    whenever a serializer is made, which cost more than the validation itself."""

    def __init__(self) -> None:
        self.by_class: dict[type[serializers.Serializer[Any]], serializers.Serializer[Any]] = {}


_validators = _Validators()


def validated(
    serializer_class: type[serializers.Serializer[Any]], data: dict[str, Any], *, unknown_fields: bool
) -> dict[str, Any]:
    """Return the input validated by serializer_class, or refuse it naming every field at fault.

    The same validation, messages and error shape as `serializer_class(data=data).is_valid()`:
    `is_valid` runs exactly `run_validation` and keeps the detail of its ValidationError.
    """
    serializer = _validators.by_class.get(serializer_class)
    if serializer is None:
        serializer = _validators.by_class[serializer_class] = serializer_class()
    if not unknown_fields and (unknown := sorted(set(data) - set(serializer.fields))):
        raise Refused(invalid({name: ["is not a known field"] for name in unknown}))
    try:
        return dict(serializer.run_validation(data))
    except serializers.ValidationError as exc:
        raise Refused(invalid(flatten(exc.detail))) from None


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

    The site's budget counts only writes whose body validates, so a flood of junk from many
    addresses cannot use up a site's writes for the minute: on Redis the site is charged in the
    client's round trip and refunded when the write is refused. Raise Refused with the answer otherwise.
    """
    charge = write_charge(request, scope=scope, site_key=key)
    try:
        if charge.client_refusal is not None:
            raise Refused(charge.client_refusal)
        site = site_for_write(key, generation=charge.generation)
        if site is None:
            raise site_not_found(key)
        data = body_json(request, limit=body_limit)
        if not isinstance(data, dict):
            raise Refused(invalid({"body": ["must be a JSON object"]}))
        valid = validated(serializer_class, data, unknown_fields=unknown_fields)
    except Refused:
        charge.refund()
        raise
    if refused := charge.site_refusal():
        raise Refused(refused)
    return Admission(site=site, data=valid)
