"""What every public view shares: the error shape, rate limits, client identity and caching."""

import ipaddress
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse

from consent.banner.ratelimit import rate_limit_hit

# GETs are cheap and cacheable by a CDN: a client may fetch ten times as often as it may write.
READ_FACTOR = 10


def error_response(
    status: int, code: str, message: str, fields: dict[str, list[str]] | None = None, **headers: str
) -> JsonResponse:
    """Return the one error shape: {"error": {"code", "message", "fields"}}."""
    response = JsonResponse({"error": {"code": code, "message": message, "fields": fields or {}}}, status=status)
    for name, value in headers.items():
        response[name.replace("_", "-")] = value
    return response


def client_key(request: HttpRequest) -> str:
    """Return who is calling, for rate limits: the address, or its /64 for IPv6 (one host holds a /64)."""
    address = request.META.get("REMOTE_ADDR", "")
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address or "unknown"
    if ip.version == 6:
        return str(ipaddress.ip_network(f"{ip}/64", strict=False).network_address)
    return str(ip)


def too_many(retry_after: int) -> JsonResponse:
    return error_response(
        429, "rate_limited", f"Too many requests; retry in {retry_after} s.", Retry_After=str(retry_after)
    )


def limit_client(request: HttpRequest, *, scope: str, read: bool = False) -> JsonResponse | None:
    """Refuse a client that called too often this minute (429 with Retry-After), else None."""
    limit = settings.ASSENT_PUBLIC_RATE_PER_CLIENT * (READ_FACTOR if read else 1)
    retry_after = rate_limit_hit(key=f"public:{scope}:client:{client_key(request)}", limit=limit)
    return too_many(retry_after) if retry_after else None


def limit_site(site_key: str, *, scope: str) -> JsonResponse | None:
    """Refuse a write once the site has taken its share this minute, so a flood cannot fill the ledger."""
    retry_after = rate_limit_hit(key=f"public:{scope}:site:{site_key}", limit=settings.ASSENT_PUBLIC_RATE_PER_SITE)
    return too_many(retry_after) if retry_after else None


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
