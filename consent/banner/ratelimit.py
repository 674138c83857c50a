"""A fixed-window rate limiter over the Django cache: atomic on Redis, good enough on a file cache.

Any part of the project may use it: `retry_after = rate_limit_hit(key=..., limit=..., window=60)`.
"""

import time

from django.core.cache import cache


def rate_limit_hit(*, key: str, limit: int, window: int = 60) -> int | None:
    """Count one hit on key; return None while within limit, else the seconds until the window ends."""
    now = time.time()
    slot = int(now // window)
    counter = f"rl:{key}:{slot}"
    # One round trip on the hot path: incr() is atomic on Redis and fails only on the window's first
    # hit, when add() creates the counter with its expiry (or loses to a concurrent add, then incr wins).
    try:
        count = cache.incr(counter)
    except ValueError:
        count = 1 if cache.add(counter, 1, timeout=window * 2) else cache.incr(counter)
    if count <= limit:
        return None
    return max(1, int((slot + 1) * window - now + 0.999))
