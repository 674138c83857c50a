"""DRF's refusals in the edge's one error shape: `{"error": {"code", "message", "fields"}}`."""

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from consent.edge.errors import error_body, first_message, flatten
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


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """Render DRF's, Django's and the domain's refusals in the one error shape."""
    if isinstance(exc, IdempotencyConflict):
        body = error_body("idempotency_conflict", f"{exc.field}: {exc.message}", {exc.field: [exc.message]})
        return Response(body, status=status.HTTP_409_CONFLICT)
    if isinstance(exc, ConsentInputError | DestinationInputError):
        exc = exceptions.ValidationError({exc.field: [exc.message]})
    response = drf_exception_handler(exc, context)
    if response is None:
        # A server error: Django logs it, and the edge answers 503 for an outage, else 500.
        return None
    if isinstance(exc, exceptions.ValidationError):
        fields = flatten(exc.detail)
        response.data = error_body("invalid", first_message(fields), fields)
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


__all__ = ["Conflict", "RequestTooLarge", "error_body", "exception_handler"]
