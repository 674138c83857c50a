"""Reads of the ledger: states, histories, feeds, audiences, checkpoints and proofs.

Ordering rules: a subject's history is in event id order (UUIDv7, the order its appends were
serialized in); the feed is in log order (leaf index), which is the only order a cursor may follow,
because transactions commit out of id order and only integrated events have an index.
"""

import uuid
from collections.abc import Collection
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from functools import cache
from types import ModuleType
from typing import Any

from django.db.models import Count, Q
from django.utils import timezone

from ledger import backends, merkle
from ledger.bundle import receipt_bundle as receipt_bundle  # the portable proof of one receipt
from ledger.canonical import timestamp
from ledger.errors import ProofUnavailable
from ledger.keys import PublicKey
from ledger.keys import public_keys as _public_keys
from ledger.logs import key_of, log_find
from ledger.models import Checkpoint, Event, Leaf, Log, PendingLeaf, State
from ledger.projection import FOLD_COLUMNS, STATE_FIELDS, StateRow, state_fold
from ledger.rows import any_of, fetch
from ledger.tree import consistency_proof, inclusion_proof, root_at, tree_size

_EVENT_FIELDS = (
    "id",
    "subject_key",
    "receipt_id",
    "purpose",
    "granted",
    "kind",
    "source",
    "method",
    "banner_version",
    "jurisdiction",
    "locale",
    "occurred_at",
    "recorded_at",
    "expires_at",
)
EARLIEST_CURSOR = datetime(2000, 1, 1, tzinfo=UTC)


def _json(value: Any) -> Any:
    return timestamp(value) if isinstance(value, datetime) else value


@dataclass(frozen=True)
class EventRow:
    """One stored event as readers see it (the subject as its keyed hash)."""

    id: str
    subject_key: str
    receipt_id: str
    purpose: str
    granted: bool
    kind: str
    source: str
    method: str
    banner_version: str
    jurisdiction: str
    locale: str
    occurred_at: datetime
    recorded_at: datetime
    expires_at: datetime | None
    leaf_index: int | None = None

    @property
    def subject(self) -> str:
        """Return the subject's keyed hash (the name the consent side files it under)."""
        return self.subject_key

    @property
    def receipt(self) -> str:
        """Return the id of the receipt this event was given with."""
        return self.receipt_id

    def as_dict(self) -> dict[str, Any]:
        """Return the event as JSON-ready data."""
        return {name: _json(value) for name, value in asdict(self).items()}


def _event_row(row: tuple[Any, ...], leaf_index: int | None = None) -> EventRow:
    fields = dict(zip(_EVENT_FIELDS, row, strict=True))
    fields["id"], fields["receipt_id"] = str(fields["id"]), str(fields["receipt_id"])
    return EventRow(**fields, leaf_index=leaf_index)


def granted_now(*, granted: bool, expires_at: datetime | None, now: datetime) -> bool:
    """Return whether a state grants at a moment: the one definition every read of "granted" uses.

    A grant whose lifetime ran out is not granted, whether or not the expiry job has recorded it yet.
    """
    return granted and (expires_at is None or expires_at > now)


def granted_now_q(now: datetime) -> Q:
    """Return granted_now() as a filter on State rows, for reads that select in the database."""
    return Q(granted=True) & (Q(expires_at__isnull=True) | Q(expires_at__gt=now))


# granted_now() in raw SQL over a state row; its one parameter is the moment.
GRANTED_NOW_SQL = "granted AND (expires_at IS NULL OR expires_at > %s)"


def _subject(site: str, subject: str) -> tuple[Log, str] | None:
    log = log_find(site)
    return None if log is None else (log, key_of(log, subject))


def subject_state(*, site: str, subject: str) -> dict[str, StateRow]:
    """Return a subject's current decision per purpose, from the projection."""
    found = _subject(site, subject)
    if found is None:
        return {}
    log, key = found
    rows = State.objects.filter(log=log, subject_key=key).order_by("purpose").values_list(*STATE_FIELDS)
    return {row[0]: StateRow.from_values(row) for row in rows}


def event_jurisdictions(*, site: str, event_ids: Collection[str]) -> dict[str, str]:
    """Return the jurisdiction (the regulation a choice was made under) of each of a site's events by id."""
    log = log_find(site)  # remembered per process: no join to the log table on every read
    if log is None or not event_ids:
        return {}
    rows = Event.objects.filter(log_id=log.id, id__in=list(event_ids)).values_list("id", "jurisdiction")
    return {str(event_id): jurisdiction for event_id, jurisdiction in rows}


@cache
def _state_with_jurisdictions(backend: ModuleType, *, after_found: bool = False) -> str:
    """Return the statement reading a subject's state rows and the jurisdiction of each one's deciding event.

    Its parameters are the log's id and the subject's key; `after_found`: the key comes from a
    preceding common table expression `found` instead (subject_state_joined), and a subject without
    state still answers, with one row of nulls. An outer join to the events: a state never vanishes
    from the answer for want of its event.
    """
    columns = ", ".join(f"s.{column}" for column in STATE_FIELDS)
    states = (
        "found f LEFT JOIN ledger_state s ON s.log_id = %s AND s.subject_key = f.key"
        if after_found
        else "ledger_state s"
    )
    return (
        f"SELECT {columns}, e.jurisdiction FROM {states}"  # noqa: S608 (names only, no values)
        f" LEFT JOIN ledger_event e ON e.log_id = s.log_id AND e.id = {backend.STATE_EVENT_ID}"
        + ("" if after_found else " WHERE s.log_id = %s AND s.subject_key = %s")
    )


def _states_read(backend: ModuleType, rows: list[tuple[Any, ...]]) -> tuple[dict[str, StateRow], dict[str, str]]:
    """Return state rows read with STATE_FIELDS and a jurisdiction as states by purpose and jurisdictions by event."""
    states: dict[str, StateRow] = {}
    jurisdictions: dict[str, str] = {}
    for *columns, jurisdiction in rows:
        row = backend.state_row(columns)
        states[row.purpose] = row
        jurisdictions[row.event_id] = jurisdiction or ""
    return states, jurisdictions


def subject_state_joined(
    *, site: str, found: str, params: list[Any]
) -> tuple[bool, dict[str, StateRow], dict[str, str]]:
    """Read the state of the subject a caller's statement finds, in one statement with it (PostgreSQL).

    `found` is the text of common table expressions (without WITH) whose last one, `found`, yields
    at most one row with the subject's ledger key as `key`; the others may write (PostgreSQL runs a
    data-modifying one exactly once). Return whether a subject was found, its states and the
    jurisdictions of their events, as subject_state_with_jurisdictions does.
    """
    log = log_find(site)
    backend = backends.current()
    sql = f"WITH {found} {_state_with_jurisdictions(backend, after_found=True)}"
    rows = fetch(sql, [*params, log.id if log is not None else None], prepared=True)
    # A subject without state comes back as one row of nulls (the outer join).
    states, jurisdictions = _states_read(backend, [row for row in rows if row[0] is not None])
    return bool(rows), states, jurisdictions


def subject_state_with_jurisdictions(*, site: str, subject: str) -> tuple[dict[str, StateRow], dict[str, str]]:
    """Return what subject_state() and event_jurisdictions() of its events return, read in one statement.

    Raw SQL of a fixed shape: a subject lookup runs it on every request, and the ORM would compile it each time.
    """
    found = _subject(site, subject)
    if found is None:
        return {}, {}
    log, key = found
    backend = backends.current()
    return _states_read(backend, fetch(_state_with_jurisdictions(backend), [log.id, key], prepared=True))


def subject_state_at(*, site: str, subject: str, at: datetime) -> dict[str, StateRow]:
    """Return a subject's decision per purpose as recorded at a moment, folded from the events."""
    found = _subject(site, subject)
    if found is None:
        return {}
    log, key = found
    rows = Event.objects.filter(log=log, subject_key=key, recorded_at__lte=at).order_by("id")
    return state_fold(rows.values_list(*FOLD_COLUMNS))


def subject_events(*, site: str, subject: str, limit: int | None = None) -> list[EventRow]:
    """Return a subject's events, newest first, each with its leaf index once integrated."""
    found = _subject(site, subject)
    if found is None:
        return []
    log, key = found
    rows = Event.objects.filter(log=log, subject_key=key).order_by("-id").values_list(*_EVENT_FIELDS, "leaf__index")
    if limit is not None:
        rows = rows[:limit]
    return [_event_row(row[:-1], row[-1]) for row in rows]


def events_feed(*, site: str, after: int | None, limit: int) -> list[EventRow]:
    """Return integrated events in log order after leaf index `after` (None: from the start)."""
    log = log_find(site)
    if log is None:
        return []
    leaves = Leaf.objects.filter(log=log, index__gt=-1 if after is None else after).order_by("index")
    rows = leaves.values_list("index", *(f"event__{name}" for name in _EVENT_FIELDS))[:limit]
    return [_event_row(row[1:], row[0]) for row in rows]


@dataclass(frozen=True)
class AudienceRow:
    """A subject in an audience (by its keyed hash) and its state for the purpose asked about."""

    subject_key: str
    granted: bool
    since: datetime
    expires_at: datetime | None
    kind: str
    source: str
    event_id: str
    receipt_id: str

    @property
    def subject(self) -> str:
        """Return the subject's keyed hash (the name the consent side files it under)."""
        return self.subject_key


def audience(
    *,
    site: str,
    purpose: str,
    granted: bool = True,
    changed_since: datetime | None = None,
    after_cursor: str | None = None,
    limit: int = 1000,
    after: str | None = None,
    now: datetime | None = None,
) -> list[AudienceRow]:
    """Return up to `limit` subjects whose decision for a purpose is granted now (or not), in subject key order.

    Keyset pagination: pass the last row's subject_key as `after_cursor` (or `after`) for the next page;
    a page shorter than `limit` is the last. `changed_since` keeps rows whose decision took its value then or later.
    A lapsed grant counts as not granted (granted_now).
    """
    log = log_find(site)
    if log is None:
        return []
    moment = now or timezone.now()
    rows = State.objects.filter(log=log, purpose=purpose)
    rows = rows.filter(granted_now_q(moment)) if granted else rows.exclude(granted_now_q(moment))
    if changed_since is not None:
        rows = rows.filter(since__gte=changed_since)
    cursor = after_cursor or after
    if cursor:
        rows = rows.filter(subject_key__gt=cursor)
    fields = ("subject_key", "granted", "since", "expires_at", "kind", "source", "event_id", "receipt_id")
    return [
        AudienceRow(
            key,
            granted_now(granted=is_granted, expires_at=expires_at, now=moment),
            since,
            expires_at,
            kind,
            source,
            str(event_id),
            str(receipt_id),
        )
        for key, is_granted, since, expires_at, kind, source, event_id, receipt_id in rows.order_by(
            "subject_key"
        ).values_list(*fields)[:limit]
    ]


def states_granted(
    *, site: str, subjects: Collection[str], purposes: Collection[str], now: datetime | None = None
) -> dict[str, dict[str, bool]]:
    """Return {subject: {purpose: granted right now}} for many subjects; a lapsed grant counts as not granted."""
    log = log_find(site)
    if log is None or not subjects or not purposes:
        return {}
    by_key = {key_of(log, subject): subject for subject in subjects}
    # Raw SQL, the answer computed by the database: a bulk check asks this for a thousand subjects,
    # and building the ORM's IN list and reading back each expiry cost more than the query itself.
    keys, key_params = any_of("subject_key", list(by_key))
    wanted, purpose_params = any_of("purpose", list(purposes))
    sql = f"SELECT subject_key, purpose, {GRANTED_NOW_SQL} FROM ledger_state WHERE log_id = %s AND {keys} AND {wanted}"  # noqa: S608
    moment = backends.current().adapt(now or timezone.now())
    answer: dict[str, dict[str, bool]] = {}
    for key, purpose, granted in fetch(sql, [moment, log.id, *key_params, *purpose_params]):
        answer.setdefault(by_key[key], {})[purpose] = bool(granted)
    return answer


@dataclass(frozen=True)
class DueExpiry:
    """A grant whose lifetime has run out: the consent side appends an `expired` event for it."""

    site: str
    subject_key: str
    purpose: str
    expires_at: datetime
    # Where the next page of states_due_for_expiry starts: (expires_at, state id).
    cursor: tuple[datetime, int] = (EARLIEST_CURSOR, 0)


def states_due_for_expiry(
    *, now: datetime, limit: int = 1000, after: tuple[datetime, int] | None = None
) -> list[DueExpiry]:
    """Return granted states whose expires_at has passed, oldest first, after a cursor.

    Keyset pagination on (expires_at, id): pass the last row's `cursor` as `after` for the next page,
    so rows the caller cannot act on (a subject nobody can name) are passed over, never read again.
    """
    rows = State.objects.filter(granted=True, expires_at__lte=now)
    if after is not None:
        rows = rows.filter(Q(expires_at__gt=after[0]) | Q(expires_at=after[0], id__gt=after[1]))
    found = rows.order_by("expires_at", "id").values_list("log__site", "subject_key", "purpose", "expires_at", "id")
    return [
        DueExpiry(site=site, subject_key=key, purpose=purpose, expires_at=expires_at, cursor=(expires_at, state_id))
        for site, key, purpose, expires_at, state_id in found[:limit]
        if expires_at is not None
    ]


@dataclass(frozen=True)
class SignedCheckpoint:
    """A checkpoint as published: the signed note and what it states."""

    site: str
    origin: str
    size: int
    root: str
    note: str
    key_id: str
    signed_at: datetime

    def as_dict(self) -> dict[str, Any]:
        """Return the checkpoint as JSON-ready data."""
        return {name: _json(value) for name, value in asdict(self).items()}


def _checkpoint_view(log: Log, row: Checkpoint) -> SignedCheckpoint:
    return SignedCheckpoint(
        site=log.site,
        origin=log.origin,
        size=row.size,
        root=bytes(row.root).hex(),
        note=row.note,
        key_id=row.key_id,
        signed_at=row.signed_at,
    )


def checkpoint_latest(*, site: str) -> SignedCheckpoint | None:
    """Return a site's newest signed checkpoint."""
    log = log_find(site)
    row = None if log is None else Checkpoint.objects.filter(log=log).order_by("-size").first()
    return None if log is None or row is None else _checkpoint_view(log, row)


def checkpoints(*, site: str, limit: int | None = None) -> list[SignedCheckpoint]:
    """Return a site's signed checkpoints, newest first."""
    log = log_find(site)
    if log is None:
        return []
    rows = Checkpoint.objects.filter(log=log).order_by("-size")
    return [_checkpoint_view(log, row) for row in (rows[:limit] if limit is not None else rows)]


@dataclass(frozen=True)
class InclusionProof:
    """An RFC 9162 inclusion proof of one event against a signed checkpoint (hashes in hex)."""

    site: str
    event_id: str
    leaf_index: int
    tree_size: int
    leaf_hash: str
    root: str
    proof: list[str]
    checkpoint: str

    def verify(self) -> bool:
        """Return whether the proof holds (the checkpoint signature is checked separately)."""
        proof = [bytes.fromhex(item) for item in self.proof]
        leaf, root = bytes.fromhex(self.leaf_hash), bytes.fromhex(self.root)
        return merkle.verify_inclusion(self.leaf_index, self.tree_size, leaf, proof, root)

    def as_dict(self) -> dict[str, Any]:
        """Return the proof as JSON-ready data."""
        return asdict(self)


def prove_inclusion(*, event_id: str | uuid.UUID, size: int | None = None) -> InclusionProof:
    """Return the inclusion proof of an event against the newest (or the given) signed checkpoint."""
    leaf = Leaf.objects.select_related("log").filter(event_id=event_id).first()
    if leaf is None:
        raise ProofUnavailable(f"event {event_id} is not in the log yet")
    signed = Checkpoint.objects.filter(log=leaf.log, size__gt=leaf.index)
    row = (signed.filter(size=size) if size is not None else signed.order_by("-size")).first()
    if row is None:
        raise ProofUnavailable(f"event {event_id} is not covered by a signed checkpoint yet")
    return InclusionProof(
        site=leaf.log.site,
        event_id=str(leaf.event_id),
        leaf_index=leaf.index,
        tree_size=row.size,
        leaf_hash=bytes(leaf.hash).hex(),
        root=bytes(row.root).hex(),
        proof=[item.hex() for item in inclusion_proof(leaf.log_id, leaf.index, row.size)],
        checkpoint=row.note,
    )


@dataclass(frozen=True)
class ConsistencyProof:
    """An RFC 9162 consistency proof between two sizes of a log (hashes in hex), with their checkpoints."""

    site: str
    size1: int
    size2: int
    root1: str
    root2: str
    proof: list[str]
    checkpoint1: str | None
    checkpoint2: str | None

    def verify(self) -> bool:
        """Return whether the proof holds (checkpoint signatures are checked separately)."""
        proof = [bytes.fromhex(item) for item in self.proof]
        root1, root2 = bytes.fromhex(self.root1), bytes.fromhex(self.root2)
        return merkle.verify_consistency(self.size1, self.size2, root1, root2, proof)

    def as_dict(self) -> dict[str, Any]:
        """Return the proof as JSON-ready data."""
        return asdict(self)


def prove_consistency(*, site: str, size1: int, size2: int) -> ConsistencyProof:
    """Return the consistency proof between two sizes, neither beyond the newest signed checkpoint."""
    log = log_find(site)
    latest = None if log is None else Checkpoint.objects.filter(log=log).order_by("-size").first()
    if log is None or latest is None:
        raise ProofUnavailable(f"site {site} has no signed checkpoint yet")
    if not 0 < size1 <= size2 <= latest.size:
        raise ProofUnavailable(f"sizes must satisfy 0 < size1 <= size2 <= {latest.size}")
    notes = dict(Checkpoint.objects.filter(log=log, size__in=[size1, size2]).values_list("size", "note"))
    return ConsistencyProof(
        site=site,
        size1=size1,
        size2=size2,
        root1=root_at(log.id, size1).hex(),
        root2=root_at(log.id, size2).hex(),
        proof=[item.hex() for item in consistency_proof(log.id, size1, size2)],
        checkpoint1=notes.get(size1),
        checkpoint2=notes.get(size2),
    )


def public_keys() -> list[PublicKey]:
    """Return the keys that verify this server's checkpoints and receipts, current first."""
    return _public_keys()


@dataclass(frozen=True)
class LogHealth:
    """How far a site's log has come: leaves in it, events waiting for a leaf, the oldest waiting."""

    size: int
    pending: int
    oldest_pending_at: datetime | None


def log_health(*, site: str, count_up_to: int | None = None) -> LogHealth | None:
    """Return a site's log size and integration backlog (None: no log yet), counting at most count_up_to."""
    log = log_find(site)
    if log is None:
        return None
    waiting = PendingLeaf.objects.filter(log=log)
    oldest = waiting.order_by("event_id").values_list("event__recorded_at", flat=True).first()
    # A capped count stops reading at the cap (COUNT over a LIMIT), however big the backlog or its dead rows.
    pending = (waiting[:count_up_to] if count_up_to is not None else waiting).count()
    return LogHealth(size=tree_size(log.id), pending=pending, oldest_pending_at=oldest)


def state_counts(*, site: str) -> dict[str, tuple[int, int]]:
    """Return per purpose (subjects granting, subjects with any decision), from the projection."""
    log = log_find(site)
    if log is None:
        return {}
    counts: dict[str, list[int]] = {}
    rows = State.objects.filter(log=log).values_list("purpose", "granted").annotate(n=Count("id")).order_by()
    for purpose, granted, n in rows:
        pair = counts.setdefault(purpose, [0, 0])
        pair[1] += n
        if granted:
            pair[0] += n
    return {purpose: (pair[0], pair[1]) for purpose, pair in counts.items()}
