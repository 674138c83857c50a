"""One fixed-window rate limiter for the whole edge: shared through the cache, per process when it is down.

`retry_after = rate_limit_hit(key=..., limit=..., window=60)` counts one hit; None means "go ahead".
"""

import logging
import secrets
import threading
import time
import weakref
from collections.abc import Callable, Sequence
from dataclasses import dataclass
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

# One Redis client per cache backend for this process, dropped with the backend (tests replace it).
_clients: "weakref.WeakKeyDictionary[RedisCache, Any]" = weakref.WeakKeyDictionary()


def redis_client(backend: RedisCache) -> Any:
    """Return this process's client for the cache's Redis (the primary, where writes go).

    Django's cache makes a new client object (hundreds of callbacks set up) on every call; the edge
    talks to Redis on every request, so one is kept per backend, as its connection pool already is.
    """
    client = _clients.get(backend)
    if client is None:
        client = _clients[backend] = backend._cache.get_client(write=True)
    return client


def _redis_charge(
    backend: RedisCache, counters: Sequence[str], *, window: int, generations: Sequence[str] = ()
) -> tuple[list[int], list[str | None]]:
    """Count one hit on each counter and read generation tokens, all in one round trip; return the counts and them.

    Each counter is created with its expiry if new, then INCR'd (Django's incr() asks EXISTS first, a
    second round trip); it is stored as the plain integer the cache itself would store, so cache.get()
    still reads it. `generations` are cache keys of tokens (a site's, the API keys'): one never set
    since it expired, or since Redis was emptied, gets a fresh token here (digits, so it reads as the
    integer the cache would store).
    """
    keys = [backend.make_and_validate_key(name) for name in (*counters, *generations)]
    answers = _charge_script(backend)(
        keys=keys, args=[window * 2, len(counters), secrets.randbits(62), GENERATION_TIMEOUT]
    )
    counts = [int(answer) for answer in answers[: len(counters)]]
    tokens = [token.decode() if isinstance(token, bytes) else token for token in answers[len(counters) :]]
    return counts, tokens


# What one request asks Redis, as one command: count each counter (created with its expiry when new,
# stored as the plain integer the cache itself would store) and read each generation token, setting a
# fresh one where there is none. A script rather than a pipeline: one command to build, send and
# parse instead of two per counter and two per token.
_CHARGE = """
local counted = tonumber(ARGV[2])
local answers = {}
for i = 1, #KEYS do
  if i <= counted then
    redis.call('SET', KEYS[i], 0, 'EX', ARGV[1], 'NX')
    answers[i] = redis.call('INCR', KEYS[i])
  else
    redis.call('SET', KEYS[i], ARGV[3], 'EX', ARGV[4], 'NX')
    answers[i] = redis.call('GET', KEYS[i])
  end
end
return answers
"""
_scripts: "weakref.WeakKeyDictionary[RedisCache, Any]" = weakref.WeakKeyDictionary()


def _charge_script(backend: RedisCache) -> Any:
    """Return the registered script (sent by its SHA; redis-py loads it again if Redis forgot it)."""
    script = _scripts.get(backend)
    if script is None:
        script = _scripts[backend] = redis_client(backend).register_script(_CHARGE)
    return script


def rate_limit_hit(*, key: str, limit: int, window: int = 60) -> int | None:
    """Count one hit on key; return None while within limit, else the seconds until the window ends."""
    return rate_limit_hit_reading(key=key, limit=limit, window=window)[0]


def rate_limit_hit_reading(
    *, key: str, limit: int, reading: Sequence[str] = (), window: int = 60
) -> tuple[int | None, list[str | None] | None]:
    """Count one hit on key as rate_limit_hit() does and, on Redis, read generation tokens in the same round trip.

    `reading` are the cache keys of the tokens. Returns the seconds to wait (None: go ahead) and the
    tokens (None: not read, trust no memory).
    """
    now = time.time()
    slot = int(now // window)
    counter = f"rl:{key}:{slot}"
    tokens: list[str | None] | None = None
    try:
        if isinstance(backend := caches["default"], RedisCache):
            (count,), tokens = _redis_charge(backend, [counter], window=window, generations=reading)
        else:
            count = _cache_hit(counter, window)
    except CACHE_ERRORS:
        logger.warning("rate limit cache unreachable; counting in this process", exc_info=True)
        count = _local.hit(f"{counter}:{window}", (slot + 1) * window, now)
    return _retry_after(count, limit, slot=slot, window=window, now=now), tokens


def _cache_hit(counter: str, window: int) -> int:
    """Count one hit in a cache other than Redis and return the window's count so far.

    incr() fails only on the window's first hit, when add() creates the counter with its expiry (or
    loses to a concurrent add, then incr wins).
    """
    try:
        return int(cache.incr(counter))
    except ValueError:
        return 1 if cache.add(counter, 1, timeout=window * 2) else int(cache.incr(counter))


def limit_client(request: HttpRequest, *, scope: str, read: bool = False) -> JsonResponse | None:
    """Refuse a client that called too often this minute (429 with Retry-After), else None."""
    limit = settings.ASSENT_PUBLIC_RATE_PER_CLIENT * (READ_FACTOR if read else 1)
    retry_after = rate_limit_hit(key=f"public:{scope}:client:{client_key(request)}", limit=limit)
    return too_many(retry_after) if retry_after else None


def limit_site(site_key: str, *, scope: str) -> JsonResponse | None:
    """Refuse a write once the site has taken its share this minute, so a flood cannot fill the ledger."""
    retry_after = rate_limit_hit(key=f"public:{scope}:site:{site_key}", limit=settings.ASSENT_PUBLIC_RATE_PER_SITE)
    return too_many(retry_after) if retry_after else None


def _retry_after(count: int, limit: int, *, slot: int, window: int, now: float) -> int | None:
    """Return None while count is within limit, else the seconds until the window ends."""
    return None if count <= limit else max(1, int((slot + 1) * window - now + 0.999))


def site_generation_key(site_key: str) -> str:
    """Return the cache key of a site's generation: a random token replaced whenever the site changes."""
    return f"site-generation:{site_key}"


# A generation outlives any window by far; should it expire, the next request makes a new one (a reload).
GENERATION_TIMEOUT = 24 * 3600


@dataclass
class WriteCharge:
    """What admitting one public write counted: the client at once, and on Redis the site too.

    On Redis the client's counter, the site's counter and the site's generation travel in one
    round trip (one script). The site is charged before its body is read, so a write the edge then
    refuses (unknown site, junk body, client over its limit) gives its hit back with `refund()`:
    a flood of junk can never use up a site's writes, it only holds at most one hit per request in
    flight. Elsewhere (no Redis) the site is charged by `site_refusal()` once the body validated.
    """

    site_key: str
    scope: str
    client_refusal: JsonResponse | None
    # The site's count this window when it was charged in the same round trip, else None.
    site_count: int | None
    # The site's generation (None when it could not be read: then nothing may be served from memory).
    generation: str | None
    _slot: int
    _now: float
    _site_counter: str

    def site_refusal(self) -> JsonResponse | None:
        """Refuse a write once the site has taken its share this minute (charging it now if not yet)."""
        if self.site_count is None:
            return limit_site(self.site_key, scope=self.scope)
        limit = settings.ASSENT_PUBLIC_RATE_PER_SITE
        retry_after = _retry_after(self.site_count, limit, slot=self._slot, window=60, now=self._now)
        return too_many(retry_after) if retry_after else None

    def refund(self) -> None:
        """Give back the site's hit of a write the edge refused (only when it was charged already)."""
        if self.site_count is None:
            return
        self.site_count = None
        backend = caches["default"]
        assert isinstance(backend, RedisCache)
        key = backend.make_and_validate_key(self._site_counter)
        try:
            redis_client(backend).decr(key)
        except CACHE_ERRORS:
            logger.warning("rate limit cache unreachable; a refused write stays counted", exc_info=True)


def write_charge(request: HttpRequest, *, scope: str, site_key: str) -> WriteCharge:
    """Count a public write against its client (and, on Redis, its site) and read the site's generation."""
    now = time.time()
    window = 60
    slot = int(now // window)
    client_counter = f"rl:public:{scope}:client:{client_key(request)}:{slot}"
    site_counter = f"rl:public:{scope}:site:{site_key}:{slot}"
    limit = settings.ASSENT_PUBLIC_RATE_PER_CLIENT
    charge = WriteCharge(site_key, scope, None, None, None, slot, now, site_counter)
    backend = caches["default"]
    if not isinstance(backend, RedisCache):
        charge.client_refusal = limit_client(request, scope=scope)
        return charge
    try:
        counts, (charge.generation,) = _redis_charge(
            backend, [client_counter, site_counter], window=window, generations=[site_generation_key(site_key)]
        )
    except CACHE_ERRORS:
        logger.warning("rate limit cache unreachable; counting in this process", exc_info=True)
        client_count = _local.hit(f"{client_counter}:{window}", (slot + 1) * window, now)
    else:
        client_count, charge.site_count = counts
    if retry_after := _retry_after(client_count, limit, slot=slot, window=window, now=now):
        charge.client_refusal = too_many(retry_after)
    return charge


def posts_limited(view: Callable[..., HttpResponseBase], *, scope: str) -> Callable[..., HttpResponseBase]:
    """Wrap a form view (a sign-in page) so a client's POSTs count against its per-minute budget."""

    @wraps(view)
    def limited(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if request.method == "POST" and (refused := limit_client(request, scope=scope)):
            return refused
        return view(request, *args, **kwargs)

    return limited
