"""One fixed-window rate limiter for the whole edge: shared through the cache, per process when it is down.

`retry_after = rate_limit_hit(key=..., limit=..., window=60)` counts one hit; None means "go ahead".
"""

import logging
import threading
import time
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.core.cache import cache, caches
from django.core.cache.backends.redis import RedisCache
from django.http import HttpRequest, HttpResponseBase, JsonResponse

from consent.edge.address import client_key
from consent.edge.errors import too_many

logger = logging.getLogger(__name__)

# GETs are cheap and cacheable by a CDN: a client may fetch ten times as often as it may write.
READ_FACTOR = 10

try:
    from redis.exceptions import RedisError

    CACHE_ERRORS: tuple[type[Exception], ...] = (OSError, RedisError)
except ImportError:  # pragma: no cover - redis is installed wherever a Redis cache is configured
    CACHE_ERRORS = (OSError,)


class _LocalWindows:
    """Counters kept in this process, for when the shared cache cannot be reached.

    Each process then allows the full limit on its own: a looser limit for the length of the outage,
    which is better than refusing consent writes or letting every request fail.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._counts: dict[str, tuple[int, float]] = {}  # counter -> (hits, when its window ends)
        self._pruned_at = 0.0

    def hit(self, counter: str, ends_at: float, now: float) -> int:
        with self._lock:
            if now - self._pruned_at > 10:  # windows that have ended are of no use: keep memory bounded
                self._counts = {key: value for key, value in self._counts.items() if value[1] > now}
                self._pruned_at = now
            hits = self._counts.get(counter, (0, ends_at))[0] + 1
            self._counts[counter] = (hits, ends_at)
            return hits


_local = _LocalWindows()


def _shared_hit(counter: str, window: int) -> int:
    """Count one hit in the shared cache and return the window's count so far."""
    if isinstance(backend := caches["default"], RedisCache):
        return _redis_hit(backend, counter, window)
    # Elsewhere incr() fails only on the window's first hit, when add() creates the counter with its
    # expiry (or loses to a concurrent add, then incr wins).
    try:
        return int(cache.incr(counter))
    except ValueError:
        return 1 if cache.add(counter, 1, timeout=window * 2) else int(cache.incr(counter))


def _redis_hit(backend: RedisCache, counter: str, window: int) -> int:
    """Count one hit in one round trip: create the counter with its expiry if new, then INCR it.

    Django's incr() asks EXISTS first, a second round trip on every request. The counter is stored
    as the plain integer the cache itself would store, so cache.get() still reads it.
    """
    key = backend.make_and_validate_key(counter)
    pipe = backend._cache.get_client(key, write=True).pipeline(transaction=False)
    pipe.set(key, 0, ex=window * 2, nx=True)
    pipe.incr(key)
    return int(pipe.execute()[1])


def rate_limit_hit(*, key: str, limit: int, window: int = 60) -> int | None:
    """Count one hit on key; return None while within limit, else the seconds until the window ends."""
    now = time.time()
    slot = int(now // window)
    counter = f"rl:{key}:{slot}"
    try:
        count = _shared_hit(counter, window)
    except CACHE_ERRORS:
        logger.warning("rate limit cache unreachable; counting in this process", exc_info=True)
        count = _local.hit(f"{counter}:{window}", (slot + 1) * window, now)
    if count <= limit:
        return None
    return max(1, int((slot + 1) * window - now + 0.999))


def limit_client(request: HttpRequest, *, scope: str, read: bool = False) -> JsonResponse | None:
    """Refuse a client that called too often this minute (429 with Retry-After), else None."""
    limit = settings.ASSENT_PUBLIC_RATE_PER_CLIENT * (READ_FACTOR if read else 1)
    retry_after = rate_limit_hit(key=f"public:{scope}:client:{client_key(request)}", limit=limit)
    return too_many(retry_after) if retry_after else None


def limit_site(site_key: str, *, scope: str) -> JsonResponse | None:
    """Refuse a write once the site has taken its share this minute, so a flood cannot fill the ledger."""
    retry_after = rate_limit_hit(key=f"public:{scope}:site:{site_key}", limit=settings.ASSENT_PUBLIC_RATE_PER_SITE)
    return too_many(retry_after) if retry_after else None


def posts_limited(view: Callable[..., HttpResponseBase], *, scope: str) -> Callable[..., HttpResponseBase]:
    """Wrap a form view (a sign-in page) so a client's POSTs count against its per-minute budget."""

    @wraps(view)
    def limited(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if request.method == "POST" and (refused := limit_client(request, scope=scope)):
            return refused
        return view(request, *args, **kwargs)

    return limited
