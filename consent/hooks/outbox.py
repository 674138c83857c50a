"""The outbox: inserting delivery rows and ringing the broker's doorbell once they are committed."""

import hashlib
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
from consent.hooks.models import DSR_EVENT_TYPES, Delivery, Destination, EventType, SubjectSequence
from consent.models import Site
from ledger import services as ledger_services

logger = logging.getLogger(__name__)

SEND_TASK = "consent.hooks.tasks.deliveries_send"
# Deliveries per message: those one transaction wrote travel together (a choice's destinations), and a
# sweep's backlog goes out in batches this size; a batch's attempts run side by side in one task.
BATCH_MAX = 10
# A row whose task was sent less than this ago (or falls due with a countdown less than this ago) is
# presumably still queued at the broker: the sweep leaves it alone, and re-sends one presumably lost at
# most once per this. A lost message waits at most this plus one sweep interval.
SWEEP_GRACE = timedelta(seconds=60)


def time_scaled(seconds: float) -> timedelta:
    """Return a delay shortened by ASSENT_HOOKS_BACKOFF_DIVISOR (tests run the schedule faster)."""
    return timedelta(seconds=seconds / settings.ASSENT_HOOKS_BACKOFF_DIVISOR)


def body_dump(payload: dict[str, Any]) -> str:
    """Return the one JSON text a payload is signed and sent as."""
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def subject_sequence_key(*, site: Site, external_id: str) -> str:
    """Return the key a subject's sequence and messages are filed under: the same for a person who comes
    back after erasure, yet a keyed hash (the site log's secret) of neither their id nor their ledger key."""
    digest = hashlib.sha256(f"hooks.sequence\x00{external_id}".encode()).hexdigest()
    return ledger_services.subject_key(site=site.key, subject=digest)


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


# Messages that name a subject (ledger.checkpoint names no one and stays replayable).
NAMING_TYPES = frozenset({EventType.CONSENT_UPDATED, EventType.CONSENT_EXPIRED, EventType.SUBJECT_ERASED})


def body_redact(body: str, *, receipt: bool) -> str:
    """Return a message without the subject's id and state: its type, site, sequence and (if asked) receipt."""
    payload = json.loads(body)
    data = payload.get("data", {})
    kept = {"site": data.get("site"), "sequence": data.get("sequence")}
    if receipt:
        kept["receipt"] = data.get("receipt")
    return body_dump({"type": payload.get("type"), "redacted": True, "data": kept})


def redaction(event_type: str, body: str, *, erased: bool = False) -> dict[str, Any]:
    """Return the delivery fields that forget a message's subject, or nothing for a message that names no one.

    A delivered message keeps its receipt id (the account page shows which receipts each destination
    confirmed) and its subject key, until the subject is erased: then both go, and nothing leads from
    the person to the message or from the message to the ledger.
    """
    if event_type in DSR_EVENT_TYPES:
        return _request_redaction(body, erased=erased)
    if event_type not in NAMING_TYPES:
        return {}
    erased = erased or event_type == EventType.SUBJECT_ERASED
    fields: dict[str, Any] = {"body": body_redact(body, receipt=not erased), "redacted_at": timezone.now()}
    return {**fields, "subject_key": ""} if erased else fields


def _request_redaction(body: str, *, erased: bool) -> dict[str, Any]:
    """Return the fields that drop the customer's id from a dsr.* message; the request's facts name no one."""
    payload = json.loads(body)
    data = payload.get("data", {})
    if "customer_id" not in data:
        return {"subject_key": ""} if erased else {}
    kept = {key: value for key, value in data.items() if key != "customer_id"}
    fields: dict[str, Any] = {
        "body": body_dump({**payload, "redacted": True, "data": kept}),
        "redacted_at": timezone.now(),
    }
    return {**fields, "subject_key": ""} if erased else fields


def deliveries_insert(
    *,
    destinations: Iterable[Destination],
    event_type: str,
    body: str,
    sequence: int,
    subject_key: str = "",
    now: datetime | None = None,
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
            subject_key=subject_key,
            next_attempt_at=moment,
            enqueued_at=moment,
        )
        for destination in destinations
    ]
    if not rows:
        return []
    ids = [row.pk for row in Delivery.objects.bulk_create(rows)]
    enqueue_on_commit(ids)
    return ids


def enqueue_on_commit(ids: list[int]) -> None:
    """Send the deliveries' task after the surrounding transaction commits (at once outside one)."""
    transaction.on_commit(lambda: enqueue(ids))


def enqueue(ids: Iterable[int], *, countdown: float | None = None) -> None:
    """Ring the doorbell for deliveries, one message per BATCH_MAX of them; a broker that is down only
    delays them until the sweep."""
    pending = list(ids)
    try:
        for start in range(0, len(pending), BATCH_MAX):
            app.send_task(SEND_TASK, args=[pending[start : start + BATCH_MAX]], countdown=countdown)
    except Exception:
        logger.warning("could not enqueue deliveries; the sweep will send them", exc_info=True)


def due_ids(*, now: datetime, limit: int = 5000) -> list[int]:
    """Return pending deliveries that are due and whose last task is presumably lost, and mark them sent again.

    A row whose task went out less than SWEEP_GRACE ago is left alone: under a backlog its message is
    still queued, and sending one more per sweep would only lengthen the queue.
    """
    grace = time_scaled(SWEEP_GRACE.total_seconds())
    lost = Q(enqueued_at__isnull=True) | Q(enqueued_at__lte=now - grace)
    due = Delivery.objects.filter(lost, status=Delivery.Status.PENDING, next_attempt_at__lte=now)
    ids = list(due.order_by("next_attempt_at").values_list("id", flat=True)[:limit])
    # Conditional on the same test, so two sweeps at once send each row once.
    Delivery.objects.filter(lost, pk__in=ids, status=Delivery.Status.PENDING).update(enqueued_at=now)
    return ids


def stale_ids(*, now: datetime, limit: int = 1000) -> list[int]:
    """Return deliveries whose claim ran out: their worker was lost mid-attempt."""
    stale = Delivery.objects.filter(status=Delivery.Status.SENDING, claimed_until__lt=now)
    return list(stale.order_by("claimed_until").values_list("id", flat=True)[:limit])
