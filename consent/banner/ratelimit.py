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
    # add() is a no-op when the counter exists; incr() is atomic on Redis, so no hit is lost.
    cache.add(counter, 0, timeout=window * 2)
    try:
        count = cache.incr(counter)
    except ValueError:  # the counter expired between add() and incr()
        cache.add(counter, 1, timeout=window * 2)
        count = 1
    if count <= limit:
        return None
    return max(1, int((slot + 1) * window - now + 0.999))
