"""Rate limits per API key, counted by the edge's one fixed-window limiter."""

from dataclasses import dataclass

from django.conf import settings
from rest_framework.request import Request
from rest_framework.throttling import BaseThrottle
from rest_framework.views import APIView

from consent.api import keycache
from consent.edge.ratelimit import rate_limit_hit_reading, site_generation_key


@dataclass(frozen=True)
class KeyCharge:
    """What counting a request against its key read in the same round trip to Redis.

    The seconds to wait (None: go ahead), the generation of the site in the URL and the generation of
    the API keys (None: not read, so nothing remembered may be trusted).
    """

    retry_after: int | None
    site_generation: str | None
    key_generation: int | None


def key_charge(request: Request, key_hash: str) -> KeyCharge:
    """Count a request against the key it presents (by the key's hash, before the key is looked up).

    On Redis the count, the URL's site generation and the keys' generation are one command: the
    authentication needs the keys' generation before it may trust a remembered key, the view the
    site's before it may trust a remembered site. A key that turns out unknown has still been counted.
    """
    site_key = (request.parser_context or {}).get("kwargs", {}).get("site_key")
    reading = [keycache.GENERATION_KEY, *([site_generation_key(site_key)] if site_key else [])]
    retry_after, tokens = rate_limit_hit_reading(
        key=f"api:key:{key_hash}", limit=settings.ASSENT_API_RATE_PER_KEY, reading=reading
    )
    if tokens is None:
        return KeyCharge(retry_after, None, keycache.generation_current())
    key_token, *site_token = tokens
    return KeyCharge(
        retry_after,
        site_token[0] if site_token else None,
        keycache.generation_parse(key_token) if key_token is not None else keycache.generation_current(),
    )


class KeyRateThrottle(BaseThrottle):
    """Allow ASSENT_API_RATE_PER_KEY requests per key per minute; tell the rest when to come back.

    The request was counted when its key was authenticated (`key_charge`); this only answers.
    """

    def __init__(self) -> None:
        self.retry_after: float | None = None

    def allow_request(self, request: Request, view: APIView) -> bool:
        charge = getattr(request, "key_charge", None)
        if not isinstance(charge, KeyCharge):
            return True  # authentication has already refused it
        if charge.retry_after is None:
            return True
        self.retry_after = charge.retry_after
        return False

    def wait(self) -> float | None:
        return self.retry_after
