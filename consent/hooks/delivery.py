"""Sending one delivery: claim it, post it, record the attempt, then deliver, retry, fail or disable."""

import json
import random
import secrets
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

from celery.exceptions import SoftTimeLimitExceeded
from django.core.mail import send_mail
from django.db import connection, transaction
from django.utils import timezone

from consent.hooks import outbox, signing, transport
from consent.hooks.models import Attempt, Delivery, Destination
from consent.models import Membership

# Waits after failed attempts 1..7 (seconds): about 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h ≈ 3 days;
# the eighth failure is final.
BACKOFF = (5, 300, 1800, 7200, 18000, 36000, 36000)
JITTER = 0.2
# A destination that has failed without one success for this long is disabled and its owners told.
FAILING_LIMIT = timedelta(days=5)
# How long a claim lasts: longer than an attempt can take (ASSENT_HOOKS_ATTEMPT_SECONDS, at most 40 s,
# within the task's 55 s hard limit), so only a lost worker's row is ever taken over by the sweep.
LEASE = timedelta(seconds=60)
# Retries due within this are sent with a countdown; later ones wait for the sweep (no long ETAs).
SHORT_WAIT = timedelta(seconds=60)
INTERRUPTED = "interrupted: the worker stopped before the attempt was recorded"


def backoff(attempts: int) -> timedelta | None:
    """Return the wait after a delivery's nth failed attempt, or None when it has had its last."""
    if attempts > len(BACKOFF):
        return None
    seconds = BACKOFF[attempts - 1] * random.uniform(1 - JITTER, 1 + JITTER)
    return outbox.time_scaled(seconds)


@dataclass(frozen=True)
class Claimed:
    """A delivery this worker holds, with what sending it needs from its destination."""

    pk: int
    attempts: int
    message_id: str
    event_type: str
    body: str
    destination_id: int
    url: str
    secrets: list[str]
    active: bool
    failing: bool


# Read from the destination in the claim itself.
_DESTINATION_COLUMNS = (
    "url",
    "secret",
    "retired_secrets",
    "active",
    "failing_since IS NOT NULL",
)


def _claim_sql(*, stale: bool) -> str:
    """Return the one statement that claims a delivery and reads it and its destination (UPDATE … RETURNING)."""
    # Only our own table and column names are put into the text; every value is a parameter.
    delivery, destination = Delivery._meta.db_table, Destination._meta.db_table
    if stale:
        # A lost worker's row: its attempt was counted when that worker claimed it.
        taken, free = "claim = %s, claimed_until = %s", "status = 'sending' AND claimed_until < %s"
    else:
        taken = "status = 'sending', claim = %s, claimed_until = %s, attempts = attempts + 1"
        free = "status = 'pending' AND next_attempt_at <= %s"
    own = f"FROM {destination} WHERE id = {delivery}.destination_id"
    read = ", ".join(f"(SELECT {column} {own})" for column in _DESTINATION_COLUMNS)
    return (
        f"UPDATE {delivery} SET {taken} WHERE id = %s AND {free} "  # noqa: S608 (our own table names)
        f"RETURNING attempts, message_id, event_type, body, destination_id, {read}"
    )


def _claim(delivery_id: int, now: datetime, *, stale: bool = False) -> tuple[str, Claimed] | None:
    """Take a delivery with one conditional UPDATE; return the claim token and the row, None if it is not ours."""
    claim = secrets.token_hex(8)
    lease = max(outbox.time_scaled(LEASE.total_seconds()), timedelta(seconds=2))
    at = connection.ops.adapt_datetimefield_value
    with connection.cursor() as cursor:
        cursor.execute(_claim_sql(stale=stale), [claim, at(now + lease), delivery_id, at(now)])
        row = cursor.fetchone()
    if row is None:
        return None
    attempts, message_id, event_type, body, destination_id, url, secret, retired, active, failing = row
    claimed = Claimed(
        pk=delivery_id,
        attempts=attempts,
        message_id=message_id,
        event_type=event_type,
        body=body,
        destination_id=destination_id,
        url=url,
        secrets=[secret, *_still_signing(retired, now)],
        active=bool(active),
        failing=bool(failing),
    )
    return claim, claimed


def _still_signing(retired: str | list[dict[str, str]], now: datetime) -> list[str]:
    """Return the retired secrets whose grace has not run out (SQLite hands JSON over as text)."""
    entries = json.loads(retired) if isinstance(retired, str) else retired
    return [entry["secret"] for entry in entries if datetime.fromisoformat(entry["expires_at"]) > now]


def delivery_attempt(delivery_id: int) -> str:
    """Make one attempt at a delivery if it is due and unclaimed; return what became of it."""
    now = timezone.now()
    taken = _claim(delivery_id, now)
    if taken is None:
        return "not due"
    claim, claimed = taken
    if not claimed.active:
        _finish(claimed.pk, claim, status=Delivery.Status.FAILED, last_error="destination disabled")
        return "failed"
    headers = signing.headers(
        secrets=claimed.secrets, message_id=claimed.message_id, timestamp=int(now.timestamp()), body=claimed.body
    )
    started = time.monotonic()
    try:
        outcome = transport.post(url=claimed.url, headers=headers, body=claimed.body)
    except SoftTimeLimitExceeded:
        # Name resolution runs outside the attempt's deadline: record the attempt rather than be killed.
        outcome = transport.Outcome(None, "", "timeout: the attempt ran into the task's time limit", _ms(started))
    return _record(claimed, claim, now, outcome)


def delivery_release(delivery_id: int) -> str:
    """Record the lost attempt of a delivery whose claim ran out, then retry it after its backoff or fail it.

    Every claim counted an attempt, so a delivery that keeps killing its worker fails after the last.
    """
    now = timezone.now()
    taken = _claim(delivery_id, now, stale=True)
    if taken is None:
        return "not stale"
    claim, claimed = taken
    return _record(claimed, claim, now, transport.Outcome(None, "", INTERRUPTED, 0))


def _ms(started: float) -> int:
    return int((time.monotonic() - started) * 1000)


@transaction.atomic
def _record(claimed: Claimed, claim: str, started_at: datetime, outcome: transport.Outcome) -> str:
    """Write the consequence of an attempt and the attempt in one transaction, if our claim still holds."""
    fields: dict[str, object] = {"last_status_code": outcome.status_code, "last_error": outcome.error}
    if outcome.delivered:
        fields |= {"status": Delivery.Status.DELIVERED, "delivered_at": timezone.now()}
        if not _finish(claimed.pk, claim, **fields, **outbox.redaction(claimed.event_type, claimed.body)):
            return "claim lost"
        # What receivers answered may echo the message; once it is delivered nothing needs it.
        _attempt_add(claimed, started_at, outcome, response_body="")
        if claimed.attempts > 1:
            Attempt.objects.filter(delivery_id=claimed.pk).exclude(response_body="").update(response_body="")
        if claimed.failing:
            Destination.objects.filter(pk=claimed.destination_id).update(failing_since=None)
        return "delivered"
    if outcome.gone:
        if not _finish(claimed.pk, claim, status=Delivery.Status.FAILED, **fields):
            return "claim lost"
        _attempt_add(claimed, started_at, outcome)
        _disable(claimed.destination_id, "the receiver answered 410 Gone")
        return "failed"
    wait = None if outcome.refused else backoff(claimed.attempts)
    if wait is None:
        owned = _finish(claimed.pk, claim, status=Delivery.Status.FAILED, **fields)
    else:
        due = timezone.now() + wait
        soon = wait <= SHORT_WAIT
        # A retry sent with a countdown counts as queued from when it falls due (see outbox.due_ids).
        queued = {"enqueued_at": due} if soon else {}
        owned = _finish(claimed.pk, claim, status=Delivery.Status.PENDING, next_attempt_at=due, **fields, **queued)
        if owned and soon:
            transaction.on_commit(lambda: outbox.enqueue([claimed.pk], countdown=wait.total_seconds()))
    if not owned:
        return "claim lost"
    _attempt_add(claimed, started_at, outcome)
    _failing_check(claimed.destination_id)
    return "failed" if wait is None else "retrying"


def _attempt_add(
    claimed: Claimed, started_at: datetime, outcome: transport.Outcome, *, response_body: str | None = None
) -> None:
    Attempt.objects.create(
        delivery_id=claimed.pk,
        number=claimed.attempts,
        started_at=started_at,
        latency_ms=outcome.latency_ms,
        status_code=outcome.status_code,
        error=outcome.error,
        response_body=outcome.response_body if response_body is None else response_body,
    )


def _finish(delivery_id: int, claim: str, **fields: object) -> bool:
    """Update the delivery only if our claim still holds (a worker that overran its lease changes nothing)."""
    owned = Delivery.objects.filter(pk=delivery_id, status=Delivery.Status.SENDING, claim=claim)
    return owned.update(claim="", claimed_until=None, **fields) == 1


def _failing_check(destination_id: int) -> None:
    """Start the failure run, or disable the destination once it has lasted FAILING_LIMIT."""
    now = timezone.now()
    Destination.objects.filter(pk=destination_id, failing_since__isnull=True).update(failing_since=now)
    limit = outbox.time_scaled(FAILING_LIMIT.total_seconds())
    if Destination.objects.filter(pk=destination_id, active=True, failing_since__lte=now - limit).exists():
        _disable(destination_id, f"failing since more than {FAILING_LIMIT.days} days")


def _disable(destination_id: int, reason: str) -> None:
    """Disable a destination once and tell its organization's owners after commit."""
    changed = Destination.objects.filter(pk=destination_id, active=True).update(active=False, disabled_reason=reason)
    if changed == 1:
        transaction.on_commit(lambda: _owners_tell(destination_id, reason))


def _owners_tell(destination_id: int, reason: str) -> None:
    destination = Destination.objects.select_related("site").get(pk=destination_id)
    owners = Membership.objects.filter(
        organization_id=destination.site.organization_id, role=Membership.Role.OWNER
    ).select_related("user")
    recipients = sorted(
        {m.user.email or m.user.get_username() for m in owners if "@" in (m.user.email or m.user.get_username())}
    )
    if not recipients:
        return
    send_mail(
        subject=f"Webhook destination disabled: {destination}",
        message=(
            f"The webhook destination {destination} ({destination.url}) of site {destination.site.key} "
            f"was disabled: {reason}.\n\nFailed deliveries are kept; enable the destination and replay them "
            "from the admin or the API."
        ),
        from_email=None,
        recipient_list=recipients,
        fail_silently=True,
    )
