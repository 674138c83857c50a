"""Writes of the webhook side: destinations, the delivery outbox, replays and checkpoint announcements."""

from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone

from consent.banner.declaration import decision_purpose, states_nest
from consent.hooks import guard, outbox, signing
from consent.hooks.errors import DestinationInputError
from consent.hooks.models import ALL_EVENT_TYPES, DSR_EVENT_TYPES, Attempt, Delivery, Destination, EventType
from consent.models import Purpose, Site, Subject
from ledger import selectors as ledger_selectors
from ledger.canonical import timestamp
from ledger.services import Receipt

# How long a replaced secret keeps signing after a rotation, so receivers can switch without a gap.
SECRET_GRACE = timedelta(hours=24)
# Every retired secret adds a signature to each request; this many at once is plenty for any switch.
RETIRED_MAX = 5
# Annotate a site with this where it is loaded anyway (the public write path's admission), and
# deliveries_create reads no destinations for a site that had none a moment before its transaction:
# the same as a destination committed just after the query inside it.
ACTIVE_DESTINATIONS = {
    "has_active_destinations": Exists(Destination.objects.filter(site=OuterRef("pk"), active=True)),
}
DEFAULT_EVENT_TYPES = [EventType.CONSENT_UPDATED.value, EventType.CONSENT_EXPIRED.value, EventType.SUBJECT_ERASED.value]


def _purposes_check(*, site: Site, purposes: Any) -> list[str]:
    if not isinstance(purposes, list | tuple) or not all(isinstance(p, str) for p in purposes):
        raise DestinationInputError("purposes", "must be a list of purpose slugs")
    known = set(Purpose.objects.filter(site=site).values_list("slug", flat=True))
    unknown = sorted(set(purposes) - known)
    if unknown:
        raise DestinationInputError("purposes", f"{', '.join(unknown)} is not a purpose of this site")
    return sorted(set(purposes))


def _event_types_check(event_types: Any) -> list[str]:
    if not isinstance(event_types, list | tuple) or not all(isinstance(t, str) for t in event_types):
        raise DestinationInputError("event_types", "must be a list of event types")
    if not event_types:
        raise DestinationInputError("event_types", "must name at least one event type")
    unknown = sorted(set(event_types) - set(ALL_EVENT_TYPES))
    if unknown:
        raise DestinationInputError("event_types", f"{', '.join(unknown)} is not one of {', '.join(ALL_EVENT_TYPES)}")
    return sorted(set(event_types))


def _name_check(name: Any) -> str:
    if not isinstance(name, str) or len(name) > 100:
        raise DestinationInputError("name", "must be text of at most 100 characters")
    return name.strip()


def _checkpoint_size(site: Site) -> int:
    latest = ledger_selectors.checkpoint_latest(site=site.key)
    return latest.size if latest is not None else 0


@transaction.atomic
def destination_create(
    *, site: Site, url: str, purposes: list[str], event_types: list[str] | None = None, name: str = ""
) -> tuple[Destination, str]:
    """Create a destination after the SSRF guard passes its URL; return it and its secret (shown once)."""
    secret = signing.secret_generate()
    destination = Destination.objects.create(
        site=site,
        name=_name_check(name),
        url=guard.url_check(url) if isinstance(url, str) else guard.url_check(""),
        secret=secret,
        purposes=_purposes_check(site=site, purposes=purposes),
        event_types=_event_types_check(DEFAULT_EVENT_TYPES if event_types is None else event_types),
        # Announce checkpoints signed from now on, not the site's whole past.
        checkpoint_size=_checkpoint_size(site),
    )
    return destination, secret


@transaction.atomic
def destination_update(
    *,
    destination: Destination,
    url: str | None = None,
    purposes: list[str] | None = None,
    event_types: list[str] | None = None,
    name: str | None = None,
    active: bool | None = None,
) -> Destination:
    """Change the given fields of a destination; re-enabling it clears the failure run."""
    if url is not None:
        destination.url = guard.url_check(url) if isinstance(url, str) else guard.url_check("")
    if purposes is not None:
        destination.purposes = _purposes_check(site=destination.site, purposes=purposes)
    if event_types is not None:
        destination.event_types = _event_types_check(event_types)
    if name is not None:
        destination.name = _name_check(name)
    if active is not None:
        if not isinstance(active, bool):
            raise DestinationInputError("active", "must be true or false")
        if active and not destination.active:
            destination.disabled_reason = ""
            destination.failing_since = None
        elif not active and destination.active:
            destination.disabled_reason = "disabled by an operator"
        destination.active = active
    destination.save()
    return destination


@transaction.atomic
def destination_secret_rotate(*, destination: Destination) -> str:
    """Give a destination a new secret (shown once); every secret it replaces keeps signing for SECRET_GRACE."""
    now = timezone.now()
    # Locked, so two rotations at once each retire the secret the other saw.
    locked = Destination.objects.select_for_update().get(pk=destination.pk)
    retired = [entry for entry in locked.retired_secrets if datetime.fromisoformat(entry["expires_at"]) > now]
    if len(retired) >= RETIRED_MAX:
        raise DestinationInputError(
            "destination", f"was rotated {RETIRED_MAX} times within {SECRET_GRACE.days * 24} hours; try again later"
        )
    retired.append({"secret": locked.secret, "expires_at": (now + SECRET_GRACE).isoformat()})
    secret = signing.secret_generate()
    Destination.objects.filter(pk=locked.pk).update(secret=secret, retired_secrets=retired, updated_at=now)
    destination.secret, destination.retired_secrets = secret, retired
    return secret


@transaction.atomic
def destination_disable(*, destination: Destination, reason: str = "disabled by an operator") -> Destination:
    """Stop sending to a destination; its pending deliveries fail when their turn comes and can be replayed."""
    destination.active = False
    destination.disabled_reason = reason[:200]
    destination.save(update_fields=["active", "disabled_reason", "updated_at"])
    return destination


@transaction.atomic
def destination_delete(*, destination: Destination) -> None:
    """Delete a destination with its deliveries and attempts (the ledger keeps the consent history)."""
    destination.delete()


def deliveries_create(
    *,
    site: Site,
    subject: Subject,
    receipt: Receipt,
    event_type: str = "consent.updated",
    regulation: str = "",
    has_destinations: bool | None = None,
) -> int:
    """Queue one delivery per matching destination in the caller's transaction; return how many.

    A consent.updated receipt whose changed purposes all ran out of their lifetime is sent as
    consent.expired. Destinations match on event type and (except for subject.erased) on at least
    one changed purpose. `has_destinations` is whether the site has an active one, when the caller
    read that inside this transaction.
    """
    # Most sites have no destination: answer them with no query when the caller read it in this
    # transaction or the site was loaded with ACTIVE_DESTINATIONS, else with one, and no read of the
    # ledger either way.
    if has_destinations is None:
        has_destinations = getattr(site, "has_active_destinations", None)
    if has_destinations is False:
        return 0
    active = list(Destination.objects.filter(site=site, active=True))
    if not active:
        return 0
    state = ledger_selectors.subject_state(site=site.key, subject=subject.pseudonym)
    changed = [purpose for purpose in receipt.changed if purpose in state]
    if event_type == EventType.CONSENT_UPDATED and changed and all(state[p].kind == "expired" for p in changed):
        event_type = EventType.CONSENT_EXPIRED.value
    if not changed and event_type != EventType.SUBJECT_ERASED:
        return 0
    destinations = [
        destination
        for destination in active
        if event_type in destination.event_types
        and (
            event_type == EventType.SUBJECT_ERASED
            or not destination.purposes
            # A vendor's decision (`analytics:ga`) is a change of its purpose.
            or set(destination.purposes) & {decision_purpose(key) for key in changed}
        )
    ]
    if not destinations:
        return 0
    subject_key = outbox.subject_sequence_key(site=site, external_id=subject.external_id)
    sequence = outbox.sequence_next(site=site, subject_key=subject_key)
    now = timezone.now()
    sources = [state[p].source for p in changed] or [row.source for row in state.values()]
    payload = {
        "type": event_type,
        "timestamp": timestamp(receipt.recorded_at),
        "data": {
            "site": site.key,
            "subject": subject.external_id,
            # Per-vendor decisions are nested under their purpose as `vendors`.
            "purposes": states_nest(
                {
                    p: {
                        "granted": ledger_selectors.granted_now(
                            granted=row.granted, expires_at=row.expires_at, now=now
                        ),
                        "since": timestamp(row.since),
                        "kind": row.kind,
                    }
                    for p, row in state.items()
                }
            ),
            # The regulation the choice was made under (its slug), "" when none applied.
            "regulation": regulation,
            "changed": list(receipt.changed),
            "source": sources[0] if sources else "",
            "receipt": receipt.id,
            "sequence": sequence,
        },
    }
    body = outbox.body_dump(payload)
    ids = outbox.deliveries_insert(
        destinations=destinations,
        event_type=event_type,
        body=body,
        sequence=sequence,
        # The erasure message is not looked up by subject: redacted once delivered, it keeps no key.
        subject_key="" if event_type == EventType.SUBJECT_ERASED else subject_key,
    )
    return len(ids)


def request_deliveries_create(
    *, site: Site, event_types: list[str], data: dict[str, Any], customer_id: str = "", at: datetime
) -> int:
    """Queue one delivery per destination subscribed to each dsr.* event type, in the caller's transaction.

    `data` holds the request's facts (id, right, jurisdiction, status, dates); the customer's id is
    added when the requester gave one, and the message is then filed under that person, so their
    erasure finds it and it is redacted once delivered. Return how many deliveries were queued.
    """
    active = list(Destination.objects.filter(site=site, active=True))
    wanted = [t for t in event_types if any(t in destination.event_types for destination in active)]
    if not wanted:
        return 0
    # A person's request continues their sequence; an anonymous one has its own, keyed by the request.
    subject_key = outbox.subject_sequence_key(site=site, external_id=customer_id or f"dsr-{data['request']}")
    queued = 0
    for event_type in wanted:
        sequence = outbox.sequence_next(site=site, subject_key=subject_key)
        body = {"site": site.key, **data, "sequence": sequence}
        if customer_id:
            body["customer_id"] = customer_id
        payload = {"type": event_type, "timestamp": timestamp(at), "data": body}
        queued += len(
            outbox.deliveries_insert(
                destinations=[d for d in active if event_type in d.event_types],
                event_type=event_type,
                body=outbox.body_dump(payload),
                sequence=sequence,
                subject_key=subject_key if customer_id else "",
            )
        )
    return queued


def deliveries_forget(*, site: Site, external_ids: list[str]) -> int:
    """Redact every message about erased subjects (their subject.erased message excepted until delivered).

    Unsent ones are failed first: once redacted they name no one, so sending them would say nothing.
    Their attempts lose what receivers answered, which may echo the message. Return how many.
    """
    keys = [outbox.subject_sequence_key(site=site, external_id=external_id) for external_id in external_ids]
    about = Delivery.objects.filter(destination__site=site, subject_key__in=keys)
    unsent = [Delivery.Status.PENDING, Delivery.Status.SENDING, Delivery.Status.FAILED]
    # A request's message still on its way (dsr.erasure_requested above all) is what tells downstream to
    # act: it is sent, and redacted once delivered; only the key that would find it again goes now.
    requests_unsent = about.filter(event_type__in=DSR_EVENT_TYPES, status__in=unsent)
    forgotten = requests_unsent.update(subject_key="")
    about = about.exclude(event_type__in=DSR_EVENT_TYPES, status__in=unsent)
    about.filter(status__in=unsent).update(
        status=Delivery.Status.FAILED, claim="", claimed_until=None, last_error="the subject was erased"
    )
    rows = list(about.values_list("pk", "event_type", "body"))
    for pk, event_type, body in rows:
        Delivery.objects.filter(pk=pk).update(**outbox.redaction(event_type, body, erased=True))
    Attempt.objects.filter(delivery_id__in=[pk for pk, _, _ in rows]).exclude(response_body="").update(response_body="")
    return len(rows) + forgotten


def checkpoints_announce() -> int:
    """Queue the newest ledger.checkpoint to each destination that wants it and lacks it; return how many."""
    wanting = Destination.objects.filter(active=True).select_related("site").order_by("site_id", "id")
    queued = 0
    for destination in wanting:
        if EventType.LEDGER_CHECKPOINT not in destination.event_types:
            continue
        latest = ledger_selectors.checkpoint_latest(site=destination.site.key)
        if latest is None or latest.size <= destination.checkpoint_size:
            continue
        with transaction.atomic():
            # Conditional, so two sweeps running at once announce a checkpoint once.
            moved = Destination.objects.filter(pk=destination.pk, checkpoint_size__lt=latest.size).update(
                checkpoint_size=latest.size
            )
            if moved != 1:
                continue
            payload = {
                "type": EventType.LEDGER_CHECKPOINT.value,
                "timestamp": timestamp(latest.signed_at),
                "data": {**latest.as_dict(), "sequence": latest.size},
            }
            queued += len(
                outbox.deliveries_insert(
                    destinations=[destination],
                    event_type=EventType.LEDGER_CHECKPOINT.value,
                    body=outbox.body_dump(payload),
                    sequence=latest.size,
                )
            )
    return queued


def _replay(deliveries: QuerySet[Delivery]) -> list[int]:
    now = timezone.now()
    replayable = deliveries.exclude(status=Delivery.Status.SENDING).filter(redacted_at__isnull=True)
    ids = list(replayable.values_list("id", flat=True))
    Delivery.objects.filter(pk__in=ids).update(
        status=Delivery.Status.PENDING,
        next_attempt_at=now,
        enqueued_at=now,
        claim="",
        claimed_until=None,
        last_error="",
    )
    outbox.enqueue_on_commit(ids)
    return ids


@transaction.atomic
def delivery_replay(*, delivery: Delivery) -> Delivery:
    """Send a delivery again with the same webhook-id (receivers dedupe on it), whatever became of it."""
    if delivery.status == Delivery.Status.SENDING:
        raise DestinationInputError("delivery", "is being sent right now")
    if delivery.redacted_at is not None:
        raise DestinationInputError("delivery", "no longer holds its message: it names no one once delivered or erased")
    if not delivery.destination.active:
        raise DestinationInputError("destination", "is disabled; enable it before replaying")
    _replay(Delivery.objects.filter(pk=delivery.pk))
    delivery.refresh_from_db()
    return delivery


@transaction.atomic
def deliveries_replay_failed(*, destination: Destination) -> int:
    """Send every failed delivery of a destination again; return how many."""
    if not destination.active:
        raise DestinationInputError("destination", "is disabled; enable it before replaying")
    return len(_replay(destination.deliveries.filter(status=Delivery.Status.FAILED)))
