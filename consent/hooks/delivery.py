"""Sending one delivery: claim it, post it, record the attempt, then deliver, retry, fail or disable."""

import json
import random
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.core.mail import send_mail
from django.db import connection, transaction
from django.utils import timezone

from consent.hooks import outbox, signing, transport
from consent.hooks.models import Attempt, Delivery, Destination
from consent.models import Membership
from ledger.rows import fetch

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


def _claim_sql(*, stale: bool, count: int) -> str:
    """Return the one statement that claims deliveries and reads them and their destinations (UPDATE … RETURNING)."""
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
    ids = ", ".join(["%s"] * count)
    return (
        f"UPDATE {delivery} SET {taken} WHERE id IN ({ids}) AND {free} "  # noqa: S608 (our own table names)
        f"RETURNING id, attempts, message_id, event_type, body, destination_id, {read}"
    )


def _claim(delivery_ids: list[int], now: datetime, *, stale: bool = False) -> tuple[str, list[Claimed]]:
    """Take deliveries with one conditional UPDATE; return the claim token and the rows that are now ours.

    One token and one lease for the batch: its attempts run side by side, so the lease covers them all.
    """
    claim = secrets.token_hex(8)
    if not delivery_ids:
        return claim, []
    lease = max(outbox.time_scaled(LEASE.total_seconds()), timedelta(seconds=2))
    at = connection.ops.adapt_datetimefield_value
    rows = fetch(
        _claim_sql(stale=stale, count=len(delivery_ids)),
        [claim, at(now + lease), *delivery_ids, at(now)],
        prepared=True,
    )
    claimed = []
    for pk, attempts, message_id, event_type, body, destination_id, url, secret, retired, active, failing in rows:
        claimed.append(
            Claimed(
                pk=pk,
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
        )
    # The batch's order, so results and attempts read the same way whatever order the database returned.
    order = {pk: index for index, pk in enumerate(delivery_ids)}
    return claim, sorted(claimed, key=lambda row: order[row.pk])


def _still_signing(retired: str | list[dict[str, str]], now: datetime) -> list[str]:
    """Return the retired secrets whose grace has not run out (SQLite hands JSON over as text)."""
    entries = json.loads(retired) if isinstance(retired, str) else retired
    return [entry["secret"] for entry in entries if datetime.fromisoformat(entry["expires_at"]) > now]


def delivery_attempt(delivery_id: int) -> str:
    """Make one attempt at a delivery if it is due and unclaimed; return what became of it."""
    return deliveries_attempt([delivery_id])[delivery_id]


def deliveries_attempt(delivery_ids: list[int]) -> dict[int, str]:
    """Make one attempt at each due, unclaimed delivery of a batch, side by side; return what became of each.

    One statement claims the batch and, when every attempt succeeds, one transaction of two statements
    records it: a message per committed change instead of per delivery, and a few round trips per batch.
    """
    now = timezone.now()
    claim, claimed = _claim(delivery_ids, now)
    results = dict.fromkeys(delivery_ids, "not due")
    sendable = []
    for row in claimed:
        if row.active:
            sendable.append(row)
        else:
            _finish(row.pk, claim, status=Delivery.Status.FAILED, last_error="destination disabled")
            results[row.pk] = "failed"
    requests = [
        transport.Request(
            url=row.url,
            headers=signing.headers(
                secrets=row.secrets, message_id=row.message_id, timestamp=int(now.timestamp()), body=row.body
            ),
            body=row.body,
        )
        for row in sendable
    ]
    outcomes = transport.post_all(requests)
    results |= _record_all(list(zip(sendable, outcomes, strict=True)), claim, now)
    return results


def delivery_release(delivery_id: int) -> str:
    """Record the lost attempt of a delivery whose claim ran out, then retry it after its backoff or fail it.

    Every claim counted an attempt, so a delivery that keeps killing its worker fails after the last.
    """
    now = timezone.now()
    claim, claimed = _claim([delivery_id], now, stale=True)
    if not claimed:
        return "not stale"
    return _record(claimed[0], claim, now, transport.Outcome(None, "", INTERRUPTED, 0))


def _record_all(sent: list[tuple[Claimed, transport.Outcome]], claim: str, started_at: datetime) -> dict[int, str]:
    """Record a batch's attempts: on PostgreSQL the delivered ones in one statement, the rest one by one."""
    results: dict[int, str] = {}
    delivered = [(row, outcome) for row, outcome in sent if outcome.delivered]
    if delivered and connection.vendor == "postgresql":
        recorded = _delivered_record(delivered, claim, started_at)
        # A row left out lost its claim to the sweep: recorded on its own below, it reports "claim lost".
        results |= dict.fromkeys(recorded, "delivered")
    for row, outcome in sent:
        if row.pk not in results:
            results[row.pk] = _record(row, claim, started_at, outcome)
    return results


_DELIVERED_ROW = (
    "(%s::bigint, %s::integer, %s::text, %s::timestamptz, %s::text, %s::integer, %s::timestamptz, %s::integer)"
)


def _delivered_sql(count: int) -> str:
    """Return the one statement that records delivered rows whose claim holds, as _record does for one row.

    It marks each delivered (its body redacted), adds its attempt, empties the answers its earlier
    attempts kept and ends its destination's failure run; a single statement is one transaction, and
    the round trips are two for the whole batch (claim and record) instead of five per delivery.
    """
    delivery, attempt, destination = Delivery._meta.db_table, Attempt._meta.db_table, Destination._meta.db_table
    values = ", ".join([_DELIVERED_ROW] * count)
    # Only our own table names are put into the text; every value is a parameter.
    return f"""
        WITH sent (id, status_code, body, redacted_at, subject_key, number, started_at, latency_ms) AS (
            VALUES {values}
        ), done AS (
            UPDATE {delivery} AS d SET status = 'delivered', delivered_at = %s, claim = '', claimed_until = NULL,
                last_error = '', last_status_code = sent.status_code, body = COALESCE(sent.body, d.body),
                redacted_at = COALESCE(sent.redacted_at, d.redacted_at),
                subject_key = COALESCE(sent.subject_key, d.subject_key)
            FROM sent WHERE d.id = sent.id AND d.status = 'sending' AND d.claim = %s
            RETURNING d.id, d.destination_id, sent.number, sent.started_at, sent.latency_ms, sent.status_code
        ), answers_emptied AS (
            UPDATE {attempt} SET response_body = ''
            WHERE delivery_id IN (SELECT id FROM done) AND response_body <> ''
        ), run_ended AS (
            UPDATE {destination} SET failing_since = NULL
            WHERE id IN (SELECT destination_id FROM done) AND failing_since IS NOT NULL
        )
        INSERT INTO {attempt} (delivery_id, number, started_at, latency_ms, status_code, error, response_body)
        SELECT id, number, started_at, latency_ms, status_code, '', '' FROM done
        RETURNING delivery_id
    """  # noqa: S608


def _delivered_record(delivered: list[tuple[Claimed, transport.Outcome]], claim: str, started_at: datetime) -> set[int]:
    """Record delivered rows in one statement; return those whose claim still held (the others are untouched)."""
    redactions: dict[tuple[str, str], dict[str, Any]] = {}
    params: list[Any] = []
    for row, outcome in delivered:
        # The destinations of one change share its body: redact it once.
        key = (row.event_type, row.body)
        if key not in redactions:
            redactions[key] = outbox.redaction(row.event_type, row.body)
        fields = redactions[key]
        params += [
            row.pk,
            outcome.status_code,
            fields.get("body"),
            fields.get("redacted_at"),
            fields.get("subject_key"),
        ]
        params += [row.attempts, started_at, outcome.latency_ms]
    params += [timezone.now(), claim]
    return {pk for (pk,) in fetch(_delivered_sql(len(delivered)), params, prepared=True)}


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
    _attempt_row(claimed, started_at, outcome, response_body=response_body).save(force_insert=True)


def _attempt_row(
    claimed: Claimed, started_at: datetime, outcome: transport.Outcome, *, response_body: str | None = None
) -> Attempt:
    return Attempt(
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
