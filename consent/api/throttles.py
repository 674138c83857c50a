"""Rate limits per API key, counted by the edge's one fixed-window limiter."""

from django.conf import settings
from rest_framework.request import Request
from rest_framework.throttling import BaseThrottle
from rest_framework.views import APIView

from consent.api.models import ApiKey
from consent.edge.ratelimit import rate_limit_hit_reading


class KeyRateThrottle(BaseThrottle):
    """Allow ASSENT_API_RATE_PER_KEY requests per key per minute; tell the rest when to come back."""

    def __init__(self) -> None:
        self.retry_after: float | None = None
        # The generation of the site the view is under, read in the same round trip as the count
        # (None: not read, or no site); the view takes its site from memory only under it.
        self.site_generation: str | None = None

    def allow_request(self, request: Request, view: APIView) -> bool:
        api_key = request.auth
        if not isinstance(api_key, ApiKey):
            return True  # authentication has already refused it
        retry_after, self.site_generation = rate_limit_hit_reading(
            key=f"api:key:{api_key.pk}",
            limit=settings.ASSENT_API_RATE_PER_KEY,
            site_key=getattr(view, "kwargs", {}).get("site_key"),
        )
        if retry_after is None:
            return True
        self.retry_after = retry_after
        return False

    def wait(self) -> float | None:
        return self.retry_after
