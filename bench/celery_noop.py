"""The hooks bench's Celery app: Assent's own, plus one task that only notes when it ran (the baseline).

bench/hooks.py starts its worker as `celery -A bench.celery_noop worker` from the repository root.
"""

import os
import time

import redis

from consent.celery import app

KEY = "bench:noop"
_client: redis.Redis | None = None


@app.task(name="bench.noop", ignore_result=True)
def noop(sent_at: float) -> None:
    """Push (sent, started) to a Redis list on the broker's database; nothing else."""
    global _client
    if _client is None:
        _client = redis.Redis.from_url(os.environ["CELERY_BROKER_URL"])
    _client.rpush(KEY, f"{sent_at} {time.time()}")


__all__ = ["app", "noop"]
