"""HTTP caching for public reads: ETag revalidation (304) and the caching headers a CDN keys on."""

from typing import Any

from django.http import HttpRequest, HttpResponse


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
