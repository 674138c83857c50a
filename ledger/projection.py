"""How events fold into the current state, and how a stored event row maps to its canonical bytes."""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ledger.record import EVENT_COLUMNS, EventRecord, record_bytes

__all__ = [
    "EVENT_COLUMNS",
    "FOLD_COLUMNS",
    "STATE_COLUMNS",
    "STATE_FIELDS",
    "StateRow",
    "event_row_bytes",
    "state_fold",
    "state_next",
    "state_step",
]


def event_row_bytes(site: str, row: tuple[Any, ...]) -> bytes:
    """Return the canonical bytes of an event row read with EVENT_COLUMNS."""
    return record_bytes(site, EventRecord.from_row(row))


# The columns of a state row in StateRow's order, as the ORM and raw reads select them.
STATE_FIELDS = ("purpose", "granted", "kind", "source", "since", "expires_at", "event_id", "receipt_id")
STATE_COLUMNS = ", ".join(STATE_FIELDS)


@dataclass(frozen=True)
class StateRow:
    """A subject's current decision for one purpose and the event that made it."""

    purpose: str
    granted: bool
    kind: str
    source: str
    since: datetime
    expires_at: datetime | None
    event_id: str
    receipt_id: str

    @classmethod
    def from_values(cls, row: Sequence[Any]) -> "StateRow":
        """Return a row of STATE_FIELDS whose values are already Python's (the ORM's, or psycopg's)."""
        purpose, granted, kind, source, since, expires_at, event_id, receipt_id = row
        return cls(purpose, granted, kind, source, since, expires_at, str(event_id), str(receipt_id))

    @property
    def receipt(self) -> str:
        """Return the id of the receipt the deciding event was given with."""
        return self.receipt_id

    def as_dict(self) -> dict[str, Any]:
        """Return the row as JSON-ready data."""
        return {
            "purpose": self.purpose,
            "granted": self.granted,
            "kind": self.kind,
            "source": self.source,
            "since": self.since.isoformat(),
            "expires_at": self.expires_at.isoformat() if self.expires_at else None,
            "event_id": self.event_id,
            "receipt_id": self.receipt_id,
        }


def state_next(
    previous: StateRow | None,
    *,
    purpose: str,
    granted: bool,
    kind: str,
    source: str,
    recorded_at: datetime,
    expires_at: datetime | None,
    event_id: str,
    receipt_id: str,
) -> StateRow:
    """Return the state after one event; `since` moves only when the decision changes."""
    unchanged = previous is not None and previous.granted == granted
    return StateRow(
        purpose=purpose,
        granted=granted,
        kind=kind,
        source=source,
        since=previous.since if unchanged and previous is not None else recorded_at,
        expires_at=expires_at,
        event_id=event_id,
        receipt_id=receipt_id,
    )


# The columns state_fold() reads, in order.
FOLD_COLUMNS = ("id", "purpose", "granted", "kind", "source", "recorded_at", "expires_at", "receipt_id")


def state_step(previous: StateRow | None, row: tuple[Any, ...]) -> StateRow:
    """Return a purpose's state after one event row read with FOLD_COLUMNS."""
    event_id, purpose, granted, kind, source, recorded_at, expires_at, receipt_id = row
    return state_next(
        previous,
        purpose=purpose,
        granted=granted,
        kind=kind,
        source=source,
        recorded_at=recorded_at,
        expires_at=expires_at,
        event_id=str(event_id),
        receipt_id=str(receipt_id),
    )


def state_fold(rows: Iterable[tuple[Any, ...]], into: dict[str, StateRow] | None = None) -> dict[str, StateRow]:
    """Return one subject's state after its events (rows of FOLD_COLUMNS in id order)."""
    state = {} if into is None else into
    for row in rows:
        state[row[1]] = state_step(state.get(row[1]), row)
    return state
