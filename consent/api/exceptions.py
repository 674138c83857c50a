"""One error shape for every API failure: `{"error": {"code", "message", "fields"}}`."""

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from consent.hooks.errors import DestinationInputError
from consent.services import ConsentInputError
from ledger.services import IdempotencyConflict


class RequestTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = "The request body is too large."
    default_code = "request_too_large"


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = "The request conflicts with the current state."
    default_code = "conflict"


def _flatten(detail: Any, prefix: str = "") -> dict[str, list[str]]:
    """Turn DRF's nested validation detail into {"a.b": ["message", ...]}."""
    fields: dict[str, list[str]] = {}
    if isinstance(detail, dict):
        for key, value in detail.items():
            if key == "non_field_errors" and prefix:
                name = prefix
            elif isinstance(key, int):
                name = f"{prefix}[{key}]"
            else:
                name = f"{prefix}.{key}" if prefix else str(key)
            for field, messages in _flatten(value, name).items():
                fields.setdefault(field, []).extend(messages)
    elif isinstance(detail, list):
        if all(not isinstance(item, (dict, list)) for item in detail):
            fields[prefix or "non_field_errors"] = [str(item) for item in detail]
        else:
            for index, item in enumerate(detail):
                fields.update(_flatten(item, f"{prefix}[{index}]" if prefix else f"[{index}]"))
    else:
        fields[prefix or "non_field_errors"] = [str(detail)]
    return {field: messages for field, messages in fields.items() if messages}


def error_body(code: str, message: str, fields: dict[str, list[str]] | None = None) -> dict[str, Any]:
    """Return the one error shape."""
    return {"error": {"code": code, "message": message, "fields": fields or {}}}


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """Render DRF's, Django's and the domain's refusals in the one error shape."""
    if isinstance(exc, IdempotencyConflict):
        body = error_body("idempotency_conflict", f"{exc.field}: {exc.message}", {exc.field: [exc.message]})
        return Response(body, status=status.HTTP_409_CONFLICT)
    if isinstance(exc, ConsentInputError | DestinationInputError):
        exc = exceptions.ValidationError({exc.field: [exc.message]})
    response = drf_exception_handler(exc, context)
    if response is None:
        return None  # a server error: let Django log it and answer 500
    if isinstance(exc, exceptions.ValidationError):
        fields = _flatten(exc.detail)
        first = next(iter(fields.items()), ("", ["invalid"]))
        message = f"{first[0]}: {first[1][0]}" if first[0] != "non_field_errors" else first[1][0]
        response.data = error_body("invalid", message, fields)
        return response
    if isinstance(exc, Http404):
        response.data = error_body("not_found", "Not found.")
    elif isinstance(exc, PermissionDenied):
        response.data = error_body("permission_denied", "You may not do this.")
    elif isinstance(exc, exceptions.APIException):
        codes = exc.get_codes()
        code = codes if isinstance(codes, str) else exc.default_code
        response.data = error_body(str(code), str(exc.detail))
    return response
