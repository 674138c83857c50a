"""What every public view shares: HTTP caching here; the error shape, rate limits and client from the edge."""

from typing import Any

from django.http import HttpRequest, HttpResponse

from consent.edge.address import client_key
from consent.edge.errors import error_response, too_many
from consent.edge.ratelimit import READ_FACTOR, limit_client, limit_site

# Kept importable from here for the views that already do.
__all__ = ["READ_FACTOR", "cached_response", "client_key", "error_response", "limit_client", "limit_site", "too_many"]


def cached_response(
    request: HttpRequest, body: bytes, *, content_type: str, etag: str, cache_control: str, **headers: Any
) -> HttpResponse:
    """Answer 304 when the client holds this ETag, else the body; both with the caching headers."""
    quoted = f'"{etag}"'
    matches = {tag.strip().removeprefix("W/") for tag in request.headers.get("If-None-Match", "").split(",")}
    fresh = quoted in matches
    response = HttpResponse(status=304) if fresh else HttpResponse(body, content_type=content_type)
    response["ETag"] = quoted
    response["Cache-Control"] = cache_control
    for name, value in headers.items():
        response[name.replace("_", "-")] = value
    return response
