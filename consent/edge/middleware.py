"""The edge's middleware and error views: JSON under /api/ whatever answers, 503 when the database is down."""

import logging
import re
import sys
from collections.abc import Callable
from http import HTTPStatus

from django import db
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, HttpResponseBase
from django.views import csrf, defaults

from consent.edge.errors import OUTAGE_RETRY_AFTER, Refused, error_response, unavailable

logger = logging.getLogger(__name__)

API_PREFIX = "/api/"
# Codes for answers Django (not a view of ours) gives: an unknown path, a wrong method, CSRF, a body over
# DATA_UPLOAD_MAX_MEMORY_SIZE, a crash.
STATUS_CODES = {
    400: "bad_request",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    413: "too_large",
    500: "server_error",
    503: "unavailable",
}
CONTROL = re.compile(r"[\x00-\x1f\x7f]")
# A database that cannot be reached or dropped the connection; the request may simply be retried.
OUTAGE_ERRORS = (db.OperationalError, db.InterfaceError)


def _is_api(request: HttpRequest) -> bool:
    return request.path.startswith(API_PREFIX)


def _is_json(response: HttpResponseBase) -> bool:
    return response.get("Content-Type", "").split(";")[0].strip().endswith("json")


def as_json_error(response: HttpResponseBase) -> HttpResponseBase:
    """Return an error response in the one error shape, keeping its status and headers (Allow, Retry-After)."""
    if response.status_code < 400 or _is_json(response):
        return response
    status = response.status_code
    try:
        message = f"{HTTPStatus(status).phrase}."
    except ValueError:  # a status the standard library does not name
        message = "Error."
    converted = error_response(status, STATUS_CODES.get(status, "error"), message)
    for name, value in response.items():
        if name.lower() not in {"content-type", "content-length"}:
            converted[name] = value
    return converted


def outage_response(request: HttpRequest) -> HttpResponse:
    """Answer a request that met a database outage: 503 with Retry-After, JSON under /api/."""
    if _is_api(request):
        return unavailable()
    response = HttpResponse(
        "The service is briefly unavailable. Retry later.", status=503, content_type="text/plain; charset=utf-8"
    )
    response["Retry-After"] = str(OUTAGE_RETRY_AFTER)
    return response


class EdgeMiddleware:
    """Answer refusals raised by the admission guard, outages with 503, and every /api/ error as JSON."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        if CONTROL.search(request.path):
            # No path of ours holds a control character, and a NUL would reach the database as a
            # subject id (PostgreSQL refuses it with an error, not an answer).
            refused = error_response(400, "bad_request", "The path contains a control character.")
            return refused if _is_api(request) else HttpResponseBadRequest("Bad request.")
        response = self.get_response(request)
        return as_json_error(response) if _is_api(request) else response

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponseBase | None:
        if isinstance(exception, Refused):
            return exception.response
        if isinstance(exception, OUTAGE_ERRORS):
            logger.error("database unavailable: %s %s", request.method, request.path, exc_info=exception)
            return outage_response(request)
        return None


def server_error(request: HttpRequest) -> HttpResponse:
    """Answer an uncaught exception (handler500): 503 for a database outage, JSON under /api/."""
    exception = sys.exc_info()[1]
    if isinstance(exception, OUTAGE_ERRORS):
        return outage_response(request)
    if _is_api(request):
        return error_response(500, "server_error", "Internal server error.")
    return defaults.server_error(request)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """Refuse a request that failed the CSRF check (CSRF_FAILURE_VIEW), as JSON under /api/."""
    if _is_api(request):
        return error_response(403, "csrf_failed", "CSRF verification failed.")
    response: HttpResponse = csrf.csrf_failure(request, reason=reason)
    return response
