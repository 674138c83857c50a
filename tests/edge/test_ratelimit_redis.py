"""On Redis each rate-limit hit is one round trip, and the counter stays what the cache itself stores."""

import time

from django.core.cache import cache, caches

from consent.edge.ratelimit import rate_limit_hit
from tests.edge.test_outages import own_redis  # noqa: F401  (the fixture: a Redis of the test's own)


def test_a_hit_asks_redis_no_exists_and_counts_a_plain_integer_with_its_expiry(own_redis):  # noqa: F811
    client = caches["default"]._cache.get_client(None, write=True)
    answers = [rate_limit_hit(key="t:trips", limit=2, window=60) for _ in range(3)]
    stats = client.info("commandstats")
    assert answers[:2] == [None, None]
    assert answers[2] is not None
    assert "cmdstat_exists" not in stats
    assert stats["cmdstat_set"]["calls"] == 3  # SET NX ... then INCR, in one script
    counter = f"rl:t:trips:{int(time.time() // 60)}"
    assert cache.get(counter) in {3, None}  # None only when the minute turned between the hits and here
    assert 0 < client.ttl(cache.make_and_validate_key(counter)) <= 120 or cache.get(counter) is None
