"""Time-ordered event and receipt ids (UUIDv7, RFC 9562) and the clock they share with recorded_at."""

import secrets
import threading
import time
import uuid
from datetime import UTC, datetime, timedelta

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_lock = threading.Lock()
_last = 0
_RANDOM = (1 << 62) - 1  # the bits after the variant


def now_ns() -> int:
    """Return the wall clock in nanoseconds since the epoch."""
    return time.time_ns()


def ns_datetime(ns: int) -> datetime:
    """Return a nanosecond clock reading as an aware datetime, truncated to the microsecond databases keep."""
    return _EPOCH + timedelta(microseconds=ns // 1000)


def uuid7s(ns: int, count: int, *, after: uuid.UUID | None = None) -> list[uuid.UUID]:
    """Return `count` increasing UUIDv7s for clock reading ns, above every id this process made and `after`.

    The 12 bits after the millisecond hold the sub-millisecond fraction (RFC 9562, method 3), so ids
    made by different processes sort by time to about 250 ns rather than by chance within a millisecond.
    A choice takes one id for its receipt and one per purpose: one draw of randomness serves them all.
    """
    global _last
    ms, rest = divmod(ns, 1_000_000)
    stamp = (ms & 0xFFFF_FFFF_FFFF) << 80 | 0x7 << 76 | (rest * 4096 // 1_000_000) << 64 | 0b10 << 62
    randoms = secrets.randbits(64 * count)
    values = []
    with _lock:
        floor = max(_last, after.int if after is not None else 0)
        for _ in range(count):
            value = stamp | randoms & _RANDOM
            randoms >>= 64
            if value <= floor:
                # The clock stood still or went back: count on from the floor, keeping version and variant.
                value = floor + 1
            values.append(value)
            floor = value
        _last = floor
    return [uuid.UUID(int=value) for value in values]


def uuid7(ns: int, *, after: uuid.UUID | None = None) -> uuid.UUID:
    """Return a UUIDv7 for clock reading ns, greater than every id this process made and than `after`."""
    return uuid7s(ns, 1, after=after)[0]
