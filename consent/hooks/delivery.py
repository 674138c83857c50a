"""Sending one delivery: claim it, post it, record the attempt, then deliver, retry, fail or disable."""

import random
import secrets
from datetime import datetime, timedelta

from django.core.mail import send_mail
from django.db import transaction
from django.db.models import F, Q
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
# How long a claim lasts: longer than an attempt can take (timeouts 5 s + 15 s + 15 s), shorter than
# the task's time limit plus slack, so a killed worker's row is taken over by the sweep afterwards.
LEASE = timedelta(seconds=60)
# Retries due within this are sent with a countdown; later ones wait for the sweep (no long ETAs).
SHORT_WAIT = timedelta(seconds=60)


def backoff(attempts: int) -> timedelta | None:
    """Return the wait after a delivery's nth failed attempt, or None when it has had its last."""
    if attempts > len(BACKOFF):
        return None
    seconds = BACKOFF[attempts - 1] * random.uniform(1 - JITTER, 1 + JITTER)
    return outbox.time_scaled(seconds)


def _claim(delivery_id: int, now: datetime) -> str | None:
    """Take a delivery with one conditional UPDATE; return the claim token, None if it is not ours to send."""
    claim = secrets.token_hex(8)
    lease = max(outbox.time_scaled(LEASE.total_seconds()), timedelta(seconds=2))
    free = Q(status=Delivery.Status.PENDING, next_attempt_at__lte=now) | Q(
        status=Delivery.Status.SENDING, claimed_until__lt=now
    )
    changed = Delivery.objects.filter(free, pk=delivery_id).update(
        status=Delivery.Status.SENDING, claim=claim, claimed_until=now + lease, attempts=F("attempts") + 1
    )
    return claim if changed == 1 else None


def _signing_secrets(destination: Destination, now: datetime) -> list[str]:
    keys = [destination.secret]
    expires = destination.previous_secret_expires_at
    if destination.previous_secret and expires is not None and expires > now:
        keys.append(destination.previous_secret)
    return keys


def delivery_attempt(delivery_id: int) -> str:
    """Make one attempt at a delivery if it is due and unclaimed; return what became of it."""
    now = timezone.now()
    claim = _claim(delivery_id, now)
    if claim is None:
        return "not due"
    delivery = Delivery.objects.select_related("destination").get(pk=delivery_id)
    destination = delivery.destination
    if not destination.active:
        _finish(delivery, claim, status=Delivery.Status.FAILED, last_error="destination disabled")
        return "failed"
    timestamp = int(now.timestamp())
    headers = signing.headers(
        secrets=_signing_secrets(destination, now),
        message_id=delivery.message_id,
        timestamp=timestamp,
        body=delivery.body,
    )
    outcome = transport.post(url=destination.url, headers=headers, body=delivery.body)
    return _record(delivery, claim, now, outcome)


@transaction.atomic
def _record(delivery: Delivery, claim: str, started_at: datetime, outcome: transport.Outcome) -> str:
    """Write the attempt and its consequence in one transaction."""
    Attempt.objects.create(
        delivery=delivery,
        number=delivery.attempts,
        started_at=started_at,
        latency_ms=outcome.latency_ms,
        status_code=outcome.status_code,
        error=outcome.error,
        response_body=outcome.response_body,
    )
    destination = delivery.destination
    fields = {"last_status_code": outcome.status_code, "last_error": outcome.error}
    if outcome.delivered:
        _finish(delivery, claim, status=Delivery.Status.DELIVERED, delivered_at=timezone.now(), **fields)
        if destination.failing_since is not None:
            Destination.objects.filter(pk=destination.pk).update(failing_since=None)
        return "delivered"
    if outcome.gone:
        _finish(delivery, claim, status=Delivery.Status.FAILED, **fields)
        _disable(destination, "the receiver answered 410 Gone")
        return "failed"
    wait = None if outcome.refused else backoff(delivery.attempts)
    if wait is None:
        _finish(delivery, claim, status=Delivery.Status.FAILED, **fields)
    else:
        due = timezone.now() + wait
        if (
            _finish(delivery, claim, status=Delivery.Status.PENDING, next_attempt_at=due, **fields)
            and wait <= SHORT_WAIT
        ):
            transaction.on_commit(lambda: outbox.enqueue([delivery.pk], countdown=wait.total_seconds()))
    _failing_check(destination)
    return "failed" if wait is None else "retrying"


def _finish(delivery: Delivery, claim: str, **fields: object) -> bool:
    """Update the delivery only if our claim still holds (a worker that overran its lease changes nothing)."""
    owned = Delivery.objects.filter(pk=delivery.pk, status=Delivery.Status.SENDING, claim=claim)
    return owned.update(claim="", claimed_until=None, **fields) == 1


def _failing_check(destination: Destination) -> None:
    """Start the failure run, or disable the destination once it has lasted FAILING_LIMIT."""
    now = timezone.now()
    Destination.objects.filter(pk=destination.pk, failing_since__isnull=True).update(failing_since=now)
    limit = outbox.time_scaled(FAILING_LIMIT.total_seconds())
    if Destination.objects.filter(pk=destination.pk, active=True, failing_since__lte=now - limit).exists():
        _disable(destination, f"failing since more than {FAILING_LIMIT.days} days")


def _disable(destination: Destination, reason: str) -> None:
    """Disable a destination once and tell its organization's owners after commit."""
    changed = Destination.objects.filter(pk=destination.pk, active=True).update(active=False, disabled_reason=reason)
    if changed == 1:
        transaction.on_commit(lambda: _owners_tell(destination, reason))


def _owners_tell(destination: Destination, reason: str) -> None:
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
