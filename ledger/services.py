"""Writes of the ledger: appending choices, erasing evidence, integrating logs, rebuilding the projection.

Every function is keyword-only and atomic. Nothing here imports the consent side: a site is its key.
"""

import hashlib
import os
import uuid
from collections.abc import Collection, Mapping
from datetime import datetime, timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from ledger import integrator, rebuild
from ledger.canonical import canonical_json
from ledger.choices import Choice, choice_check, kind_derive, subject_check
from ledger.errors import (
    EmptyDecisions,
    FutureTimestamp,
    InvalidSubject,
    LedgerInputError,
    LedgerIntegrityError,
    UnknownPurpose,
    UnknownTerm,
)
from ledger.ids import now_ns, ns_datetime, uuid7
from ledger.logs import key_of, log_find, log_get_or_create
from ledger.models import Event, Evidence, Log, PendingLeaf, State
from ledger.projection import EVENT_COLUMNS, FOLD_COLUMNS, StateRow, event_row_bytes, state_fold, state_next
from ledger.rebuild import StateDifference
from ledger.receipts import Receipt, receipt_sign

__all__ = [
    "EmptyDecisions",
    "FutureTimestamp",
    "InvalidSubject",
    "LedgerInputError",
    "LedgerIntegrityError",
    "Receipt",
    "StateDifference",
    "UnknownPurpose",
    "UnknownTerm",
    "checkpoint_sign",
    "event_append",
    "evidence_erase",
    "log_integrate",
    "log_integrate_all",
    "rebuild_state",
    "subject_key",
]

# Two appends racing to create a subject's first state rows, or to use one idempotency key, make one
# of them fail on a unique constraint; a retry then sees the winner's rows (or its receipt).
_ATTEMPTS = 3


def subject_key(*, site: str, subject: str) -> str:
    """Return the keyed hash the ledger files a subject under (creating the site's log on first use)."""
    return key_of(log_get_or_create(site), subject_check(subject))


def event_append(
    *,
    site: str,
    subject: str,
    decisions: Mapping[str, bool],
    source: str,
    banner_version: str,
    method: str,
    locale: str,
    known_purposes: Collection[str],
    kind: str | None = None,
    jurisdiction: str = "",
    occurred_at: datetime | None = None,
    idempotency_key: str | None = None,
    evidence: Mapping[str, Any] | None = None,
    lifetime: timedelta | None = None,
) -> Receipt:
    """Append one choice (one event per purpose, one receipt) and update the projection in one transaction."""
    subject_check(subject)
    choice = choice_check(
        site=site,
        decisions=decisions,
        known_purposes=known_purposes,
        kind=kind,
        source=source,
        method=method,
        banner_version=banner_version,
        jurisdiction=jurisdiction,
        locale=locale,
        occurred_at=occurred_at,
        idempotency_key=idempotency_key,
        evidence=evidence,
        lifetime=lifetime,
        now=timezone.now(),
    )
    log = log_get_or_create(choice.site)
    key = key_of(log, subject)
    for _ in range(_ATTEMPTS - 1):
        try:
            with transaction.atomic():
                return _choice_write(log, key, choice)
        except IntegrityError:
            continue
    with transaction.atomic():
        return _choice_write(log, key, choice)


def _choice_write(log: Log, key: str, choice: Choice) -> Receipt:
    """Write one checked choice: events, queue rows, evidence, projection; return its signed receipt."""
    if choice.idempotency_key is not None:
        replay = _replay(log, choice.idempotency_key)
        if replay is not None:
            return replay
    # Row locks on this subject's state serialize its appends, so event ids follow the order of writes.
    stored = {row.purpose: row for row in State.objects.select_for_update().filter(log=log, subject_key=key)}
    ns = now_ns()
    recorded_at = ns_datetime(ns)
    floor = max((row.event_id for row in stored.values()), default=None)
    receipt_id = uuid7(ns, after=floor)
    evidence_hash = _evidence_write(log, key, receipt_id, recorded_at, choice.evidence)
    events: list[Event] = []
    for purpose in sorted(choice.decisions):
        granted = choice.decisions[purpose]
        previous = stored.get(purpose)
        events.append(
            Event(
                id=uuid7(ns, after=floor),
                log_id=log.id,
                subject_key=key,
                purpose=purpose,
                granted=granted,
                kind=choice.kind
                or kind_derive(granted=granted, previously_granted=bool(previous and previous.granted)),
                source=choice.source,
                method=choice.method,
                banner_version=choice.banner_version,
                jurisdiction=choice.jurisdiction,
                locale=choice.locale,
                occurred_at=choice.occurred_at or recorded_at,
                recorded_at=recorded_at,
                expires_at=recorded_at + choice.lifetime if granted and choice.lifetime else None,
                receipt_id=receipt_id,
                evidence_hash=evidence_hash,
                idempotency_key=choice.idempotency_key,
            )
        )
    leaves = [event_row_bytes(log.site, tuple(getattr(e, c) for c in EVENT_COLUMNS)) for e in events]
    leaf_hashes = [hashlib.sha256(b"\x00" + data).digest() for data in leaves]
    Event.objects.bulk_create(events)
    PendingLeaf.objects.bulk_create(
        PendingLeaf(event_id=e.id, log_id=log.id, leaf_hash=h) for e, h in zip(events, leaf_hashes, strict=True)
    )
    _states_write(log, key, stored, events)
    state = {purpose: row.granted for purpose, row in stored.items()}
    state.update({e.purpose: e.granted for e in events})
    changed = [e.purpose for e in events if e.purpose not in stored or stored[e.purpose].granted != e.granted]
    return receipt_sign(
        site=log.site,
        origin=log.origin,
        receipt_id=str(receipt_id),
        recorded_at=recorded_at,
        events=[(str(e.id), e.purpose, h) for e, h in zip(events, leaf_hashes, strict=True)],
        state=state,
        changed=changed,
        replayed=False,
    )


def _evidence_write(
    log: Log, key: str, receipt_id: uuid.UUID, recorded_at: datetime, evidence: dict[str, Any] | None
) -> str:
    """Store a choice's evidence beside the log and return the salted hash its events commit to."""
    if evidence is None:
        return ""
    salt = os.urandom(16)
    Evidence.objects.create(
        receipt_id=receipt_id, log=log, subject_key=key, salt=salt, data=evidence, created_at=recorded_at
    )
    return hashlib.sha256(salt + canonical_json(evidence)).hexdigest()


def _states_write(log: Log, key: str, stored: Mapping[str, State], events: list[Event]) -> None:
    """Move the projection rows of the decided purposes to their new state."""
    updated: list[State] = []
    created: list[State] = []
    for event in events:
        previous = stored.get(event.purpose)
        row = state_next(
            _state_row(previous) if previous is not None else None,
            purpose=event.purpose,
            granted=event.granted,
            kind=event.kind,
            source=event.source,
            recorded_at=event.recorded_at,
            expires_at=event.expires_at,
            event_id=str(event.id),
            receipt_id=str(event.receipt_id),
        )
        model = State(log_id=log.id, subject_key=key, **_state_fields(row))
        (updated if previous is not None else created).append(model)
    if created:
        # A plain insert: if a concurrent append created the row first, this fails and the append retries.
        State.objects.bulk_create(created)
    if updated:
        State.objects.bulk_create(
            updated,
            update_conflicts=True,
            unique_fields=["log", "subject_key", "purpose"],
            update_fields=["granted", "kind", "source", "since", "expires_at", "event_id", "receipt_id"],
        )


def _state_row(model: State) -> StateRow:
    return StateRow(
        purpose=model.purpose,
        granted=model.granted,
        kind=model.kind,
        source=model.source,
        since=model.since,
        expires_at=model.expires_at,
        event_id=str(model.event_id),
        receipt_id=str(model.receipt_id),
    )


def _state_fields(row: StateRow) -> dict[str, Any]:
    return {
        "purpose": row.purpose,
        "granted": row.granted,
        "kind": row.kind,
        "source": row.source,
        "since": row.since,
        "expires_at": row.expires_at,
        "event_id": row.event_id,
        "receipt_id": row.receipt_id,
    }


def _replay(log: Log, idempotency_key: str) -> Receipt | None:
    """Return the receipt first given for an idempotency key, rebuilt from its events, or None."""
    rows = list(
        Event.objects.filter(log=log, idempotency_key=idempotency_key).order_by("purpose").values_list(*EVENT_COLUMNS)
    )
    if not rows:
        return None
    key, receipt_id, recorded_at = rows[0][1], rows[0][13], rows[0][11]
    first, last = min(row[0] for row in rows), max(row[0] for row in rows)
    history = list(
        Event.objects.filter(log=log, subject_key=key, id__lte=last).order_by("id").values_list(*FOLD_COLUMNS)
    )
    before = state_fold(row for row in history if row[0] < first)
    after = state_fold(history)
    purposes = [row[2] for row in rows]
    return receipt_sign(
        site=log.site,
        origin=log.origin,
        receipt_id=str(receipt_id),
        recorded_at=recorded_at,
        events=[
            (str(row[0]), row[2], hashlib.sha256(b"\x00" + event_row_bytes(log.site, row)).digest()) for row in rows
        ],
        state={purpose: row.granted for purpose, row in after.items()},
        changed=[p for p in purposes if p not in before or before[p].granted != after[p].granted],
        replayed=True,
    )


def evidence_erase(*, site: str, subject: str) -> int:
    """Delete every evidence row of a subject; return how many. The log still verifies afterwards."""
    log = log_find(site)
    if log is None:
        return 0
    deleted, _ = Evidence.objects.filter(log=log, subject_key=key_of(log, subject_check(subject))).delete()
    return deleted


def log_integrate(*, site: str, checkpoint_force: bool = False) -> int:
    """Append the leaves of a site's waiting events to its log, sign a checkpoint when due; return leaves added."""
    return integrator.log_integrate(site=site, checkpoint_force=checkpoint_force)


def log_integrate_all() -> dict[str, int]:
    """Integrate every site with waiting events and sign the checkpoints that are due; return leaves per site."""
    return integrator.log_integrate_all()


def checkpoint_sign(*, site: str) -> bool:
    """Sign a checkpoint of a site's log now if it grew since the last one; return whether one was signed."""
    return integrator.checkpoint_sign(site=site, force=True) is not None


def rebuild_state(*, site: str | None = None, repair: bool = True) -> list[StateDifference]:
    """Fold the events again, report where the projection differs and (by default) repair it."""
    return rebuild.rebuild_state(site=site, repair=repair)
