"""Rate limits per API key: a fixed one-minute window counted in the shared Django cache."""

import time

from django.conf import settings
from django.core.cache import cache
from rest_framework.request import Request
from rest_framework.throttling import BaseThrottle
from rest_framework.views import APIView

from consent.api.models import ApiKey

WINDOW_SECONDS = 60


class KeyRateThrottle(BaseThrottle):
    """Allow ASSENT_API_RATE_PER_KEY requests per key per minute; tell the rest when to come back."""

    def __init__(self) -> None:
        self.retry_after: float | None = None

    def allow_request(self, request: Request, view: APIView) -> bool:
        api_key = request.auth
        if not isinstance(api_key, ApiKey):
            return True  # authentication has already refused it
        now = time.time()
        window = int(now // WINDOW_SECONDS)
        counter = f"api:rate:{api_key.pk}:{window}"
        # add() is atomic and a no-op when the counter exists; incr() is atomic on Redis.
        cache.add(counter, 0, timeout=WINDOW_SECONDS * 2)
        try:
            count = cache.incr(counter)
        except ValueError:  # expired between add() and incr()
            cache.add(counter, 1, timeout=WINDOW_SECONDS * 2)
            count = 1
        if count <= settings.ASSENT_API_RATE_PER_KEY:
            return True
        self.retry_after = (window + 1) * WINDOW_SECONDS - now
        return False

    def wait(self) -> float | None:
        return self.retry_after
