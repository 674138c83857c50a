"""Writing one checked choice: its events, their place in the integrator's queue, evidence and projection.

The hot path of the product, so it reads two things (the log, the subject's locked state rows) and
writes everything else in one multi-table insert.
"""

import hashlib
import os
import uuid
from datetime import datetime
from typing import Any

from ledger import backends
from ledger.canonical import canonical_json
from ledger.choices import Choice, kind_derive
from ledger.errors import IdempotencyConflict
from ledger.idempotency import key_find, key_insert, request_fingerprint
from ledger.ids import now_ns, ns_datetime, uuid7s
from ledger.models import Event, Evidence, Log, PendingLeaf, State
from ledger.projection import FOLD_COLUMNS, STATE_FIELDS, StateRow, state_fold, state_next
from ledger.receipts import Receipt, receipt_sign
from ledger.record import EVENT_COLUMNS, EventRecord, record_bytes
from ledger.rows import Insert, inserts_run

_STATE_UPDATED = ("granted", "kind", "source", "since", "expires_at", "event_id", "receipt_id")


def _leaf_hash(site: str, event: EventRecord) -> bytes:
    return hashlib.sha256(b"\x00" + record_bytes(site, event)).digest()


def _evidence(log: Log, key: str, receipt_id: uuid.UUID, at: datetime, evidence: dict[str, Any] | None) -> Insert:
    """Return the evidence row of a choice (possibly none) and, through it, the hash its events commit to."""
    if evidence is None:
        return Insert(Evidence, (), ())
    salt = os.urandom(16)
    fields = ("receipt_id", "log", "subject_key", "salt", "data", "created_at")
    return Insert(Evidence, fields, [(receipt_id, log.id, key, salt, evidence, at)])


def _evidence_hash(insert: Insert) -> str:
    if not insert.rows:
        return ""
    salt, data = insert.rows[0][3], insert.rows[0][4]
    return hashlib.sha256(salt + canonical_json(data)).hexdigest()


def choice_write(log: Log, key: str, choice: Choice, channel: str, savepoint: Any = None) -> Receipt:
    """Write one checked choice (inside `backends.current().attempt()`, whose savepoint it is given) and sign it."""
    # Row locks on this subject's state serialize its appends, so event ids follow the order of writes.
    stored = backends.current().states_locked(log.id, key, savepoint)
    ns = now_ns()
    recorded_at = ns_datetime(ns)
    floor = max((uuid.UUID(row.event_id) for row in stored.values()), default=None)
    purposes = sorted(choice.decisions)
    receipt_id, *event_ids = uuid7s(ns, 1 + len(purposes), after=floor)
    evidence = _evidence(log, key, receipt_id, recorded_at, choice.evidence)
    evidence_hash = _evidence_hash(evidence)
    events = [
        _event(key, choice, purpose, stored.get(purpose), event_id, recorded_at, receipt_id, evidence_hash)
        for purpose, event_id in zip(purposes, event_ids, strict=True)
    ]
    leaves = [_leaf_hash(log.site, event) for event in events]
    states = [_state_after(stored.get(event.purpose), event) for event in events]
    keyed = key_insert(log, key, channel, choice, receipt_id, recorded_at)
    _rows_write(log, key, events, leaves, [evidence, keyed], states, stored, savepoint)
    state = {purpose: row.granted for purpose, row in stored.items()}
    state.update({row.purpose: row.granted for row in states})
    return receipt_sign(
        site=log.site,
        origin=log.origin,
        receipt_id=str(receipt_id),
        recorded_at=recorded_at,
        events=[(str(event.id), event.purpose, leaf) for event, leaf in zip(events, leaves, strict=True)],
        state=state,
        changed=[row.purpose for row in states if row.granted != getattr(stored.get(row.purpose), "granted", None)],
        replayed=False,
    )


def _event(
    key: str,
    choice: Choice,
    purpose: str,
    previous: StateRow | None,
    event_id: uuid.UUID,
    recorded_at: datetime,
    receipt_id: uuid.UUID,
    evidence_hash: str,
) -> EventRecord:
    """Return one purpose's event."""
    granted = choice.decisions[purpose]
    kind = choice.kind or kind_derive(
        granted=granted,
        previously_granted=bool(previous and previous.granted),
        objectable=purpose in choice.objectable,
    )
    # The idempotency key is recorded on the first event only (purposes are sorted, so that is the
    # first purpose); IdempotencyKey is what refuses a second choice under it.
    first = purpose == min(choice.decisions)
    return EventRecord(
        id=event_id,
        subject_key=key,
        purpose=purpose,
        granted=granted,
        kind=kind,
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
        idempotency_key=choice.idempotency_key if first else None,
    )


def _rows_write(
    log: Log,
    key: str,
    events: list[EventRecord],
    leaves: list[bytes],
    beside: list[Insert],
    states: list[StateRow],
    stored: dict[str, StateRow],
    savepoint: Any,
) -> None:
    """Insert the events, their queue rows, the evidence and key rows and the new projection rows in one go."""
    state_fields = ("log", "subject_key", *STATE_FIELDS)
    pending = [(event.id, log.id, leaf) for event, leaf in zip(events, leaves, strict=True)]
    inserts_run(
        [
            Insert(Event, ("log", *EVENT_COLUMNS), [(log.id, *event.as_row()) for event in events]),
            Insert(PendingLeaf, ("event", "log", "leaf_hash"), pending),
            *beside,
            # New rows are plain inserts: if a concurrent append created one first, this fails and the append retries.
            Insert(State, state_fields, [(log.id, key, *_state_values(s)) for s in states if s.purpose not in stored]),
            Insert(
                State,
                state_fields,
                [(log.id, key, *_state_values(s)) for s in states if s.purpose in stored],
                upsert_on=("log", "subject_key", "purpose"),
                upsert_set=_STATE_UPDATED,
            ),
        ],
        savepoint,
    )


def _state_after(previous: StateRow | None, event: EventRecord) -> StateRow:
    """Return a purpose's state after one event."""
    return state_next(
        previous,
        purpose=event.purpose,
        granted=event.granted,
        kind=event.kind,
        source=event.source,
        recorded_at=event.recorded_at,
        expires_at=event.expires_at,
        event_id=str(event.id),
        receipt_id=str(event.receipt_id),
    )


def _state_values(row: StateRow) -> tuple[Any, ...]:
    return (row.purpose, row.granted, row.kind, row.source, row.since, row.expires_at, row.event_id, row.receipt_id)


def receipt_replay(log: Log, key: str, choice: Choice, channel: str) -> Receipt | None:
    """Return the receipt first given under the choice's idempotency key in its scope, or None.

    Raise IdempotencyConflict when the key was first given with a different request.
    """
    if choice.idempotency_key is None:
        return None
    found = key_find(log, key, channel, choice.idempotency_key)
    if found is None:
        return None
    receipt_id, fingerprint = found
    if fingerprint != request_fingerprint(choice):
        raise IdempotencyConflict("idempotency_key", "was already used for a different request")
    return receipt_rebuild(log, key, receipt_id, replayed=True)


def receipt_rebuild(log: Log, key: str, receipt_id: uuid.UUID, *, replayed: bool) -> Receipt | None:
    """Return the signed receipt of a stored choice, rebuilt from its events, or None when it has none."""
    events = Event.objects.filter(log=log, subject_key=key, receipt_id=receipt_id).order_by("id")
    rows = list(events.values_list(*EVENT_COLUMNS))
    if not rows:
        return None
    key, receipt_id, recorded_at = rows[0][1], rows[0][13], rows[0][11]
    ids = [row[0] for row in rows]
    history = Event.objects.filter(log=log, subject_key=key, id__lte=max(ids)).order_by("id")
    folded = list(history.values_list(*FOLD_COLUMNS))
    before = state_fold(row for row in folded if row[0] < min(ids))
    after = state_fold(folded)
    purposes = [row[2] for row in rows]
    return receipt_sign(
        site=log.site,
        origin=log.origin,
        receipt_id=str(receipt_id),
        recorded_at=recorded_at,
        events=[(str(row[0]), row[2], _leaf_hash(log.site, EventRecord.from_row(row))) for row in rows],
        state={purpose: row.granted for purpose, row in after.items()},
        changed=[p for p in purposes if p not in before or before[p].granted != after[p].granted],
        replayed=replayed,
    )
