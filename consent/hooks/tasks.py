"""Celery tasks of the webhook side: send one delivery, and the sweep that makes sure nothing is left behind."""

from typing import Any

from celery import shared_task
from django.utils import timezone

from consent.hooks import delivery, outbox, services

# Below the lease (60 s) and far below the broker's visibility timeout (3600 s), so a task that runs
# long is killed before anyone else may take its row or the broker hands its message out again.
_TIME_LIMIT = 55
# An attempt's task: acknowledged once done (a worker lost mid-attempt leaves it to run again), no result kept.
_ATTEMPT: dict[str, Any] = {
    "acks_late": True,
    "reject_on_worker_lost": True,
    "time_limit": _TIME_LIMIT,
    "soft_time_limit": _TIME_LIMIT - 5,
    "ignore_result": True,
}


@shared_task(name="consent.hooks.tasks.deliveries_send", **_ATTEMPT)
def deliveries_send(delivery_ids: list[int]) -> dict[int, str]:
    """Make one attempt at each delivery of a batch (idempotent: one not due or claimed elsewhere is left alone)."""
    return delivery.deliveries_attempt(delivery_ids)


# Messages queued one per delivery before batches existed still find their task after an upgrade.
@shared_task(name="consent.hooks.tasks.delivery_send", **_ATTEMPT)
def delivery_send(delivery_id: int) -> str:
    """Make one attempt at a delivery (idempotent: a delivery not due or claimed elsewhere is left alone)."""
    return delivery.delivery_attempt(delivery_id)


# Both limits are set: a task that names only a hard limit below the global soft one (240 s) is refused
# by apply_async, and beat would never send it.
@shared_task(
    name="consent.hooks.tasks.delivery_sweep",
    acks_late=True,
    time_limit=_TIME_LIMIT,
    soft_time_limit=_TIME_LIMIT - 5,
    ignore_result=True,
)
def delivery_sweep() -> int:
    """Announce new checkpoints, settle deliveries whose worker was lost, enqueue those due; return how many."""
    services.checkpoints_announce()
    for delivery_id in outbox.stale_ids(now=timezone.now()):
        delivery.delivery_release(delivery_id)
    ids = outbox.due_ids(now=timezone.now())
    outbox.enqueue(ids)
    return len(ids)
