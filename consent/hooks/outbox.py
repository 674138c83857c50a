"""The outbox: inserting delivery rows and ringing the broker's doorbell once they are committed."""

import json
import logging
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from consent.celery import app
from consent.hooks import signing
from consent.hooks.models import Delivery, Destination, SubjectSequence
from consent.models import Site

logger = logging.getLogger(__name__)

SEND_TASK = "consent.hooks.tasks.delivery_send"
# A pending row due for less than this is presumably still queued at the broker: the sweep leaves it
# alone, so a backlog is not enqueued twice. A lost message waits at most this plus one sweep interval.
SWEEP_GRACE = timedelta(seconds=60)


def time_scaled(seconds: float) -> timedelta:
    """Return a delay shortened by ASSENT_HOOKS_BACKOFF_DIVISOR (tests run the schedule faster)."""
    return timedelta(seconds=seconds / settings.ASSENT_HOOKS_BACKOFF_DIVISOR)


def body_dump(payload: dict[str, Any]) -> str:
    """Return the one JSON text a payload is signed and sent as."""
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def sequence_next(*, site: Site, subject_key: str) -> int:
    """Return the next sequence number of a subject, in the caller's transaction (one statement, no race)."""
    table = SubjectSequence._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (site_id, subject_key, value) VALUES (%s, %s, 1) "  # noqa: S608 (our own table name)
            f"ON CONFLICT (site_id, subject_key) DO UPDATE SET value = {table}.value + 1 RETURNING value",
            [site.pk, subject_key],
        )
        row = cursor.fetchone()
    assert row is not None
    return int(row[0])


def deliveries_insert(
    *, destinations: Iterable[Destination], event_type: str, body: str, sequence: int, now: datetime | None = None
) -> list[int]:
    """Insert one pending delivery per destination and enqueue each once the transaction commits."""
    moment = now or timezone.now()
    rows = [
        Delivery(
            destination=destination,
            message_id=signing.message_id_generate(),
            event_type=event_type,
            body=body,
            sequence=sequence,
            next_attempt_at=moment,
        )
        for destination in destinations
    ]
    if not rows:
        return []
    ids = [row.pk for row in Delivery.objects.bulk_create(rows)]
    enqueue_on_commit(ids)
    return ids


def enqueue_on_commit(ids: list[int]) -> None:
    """Send each delivery's task after the surrounding transaction commits (at once outside one)."""
    transaction.on_commit(lambda: enqueue(ids))


def enqueue(ids: Iterable[int], *, countdown: float | None = None) -> None:
    """Ring the doorbell for deliveries; a broker that is down only delays them until the sweep."""
    try:
        for delivery_id in ids:
            app.send_task(SEND_TASK, args=[delivery_id], countdown=countdown)
    except Exception:
        logger.warning("could not enqueue deliveries; the sweep will send them", exc_info=True)


def due_ids(*, now: datetime, limit: int = 5000) -> list[int]:
    """Return deliveries that should be on their way but may not be: due and unclaimed, or whose claim ran out."""
    grace = time_scaled(SWEEP_GRACE.total_seconds())
    due = Q(status=Delivery.Status.PENDING, next_attempt_at__lte=now - grace)
    stale = Q(status=Delivery.Status.SENDING, claimed_until__lt=now)
    pending = list(Delivery.objects.filter(due).order_by("next_attempt_at").values_list("id", flat=True)[:limit])
    stuck = list(Delivery.objects.filter(stale).order_by("claimed_until").values_list("id", flat=True)[:limit])
    return pending + stuck
