"""The ledger's write path on SQLite: one writer at a time (no row locks), values as the ORM stores them."""

import json
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from django.db import connection, transaction

from ledger.projection import StateRow

# No FOR UPDATE: SQLite takes the database's write lock for the whole transaction (BEGIN IMMEDIATE).
STATE_SELECT = (
    "SELECT purpose, granted, kind, source, since, expires_at, event_id, receipt_id"
    " FROM ledger_state WHERE log_id = %s AND subject_key = %s"
)


def adapt(value: Any) -> Any:
    """Return a value as the ORM's fields store it on SQLite: hex UUIDs, its datetime text, JSON text."""
    if isinstance(value, uuid.UUID):
        return value.hex
    if isinstance(value, datetime):
        return connection.ops.adapt_datetimefield_value(value)
    return json.dumps(value) if isinstance(value, dict) else value


def _utc(value: str | datetime) -> datetime:
    """Return a timestamp SQLite handed back (text, or a naive datetime in UTC) as an aware datetime."""
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    return moment.replace(tzinfo=UTC)


@contextmanager
def attempt() -> Iterator[None]:
    """Run one try at an append in Django's savepoint (statements cost no round trip here)."""
    with transaction.atomic():
        yield None


def states_locked(log_id: int, key: str, savepoint: None = None) -> dict[str, StateRow]:
    """Return the subject's state rows by purpose, converted the way the ORM would read them."""
    with connection.cursor() as cursor:
        cursor.execute(STATE_SELECT, [log_id, key])
        rows = cursor.fetchall()
    return {
        purpose: StateRow(
            purpose,
            bool(granted),
            kind,
            source,
            _utc(since),
            _utc(expires_at) if expires_at else None,
            str(uuid.UUID(event_id)),
            str(uuid.UUID(receipt_id)),
        )
        for purpose, granted, kind, source, since, expires_at, event_id, receipt_id in rows
    }


def statements_run(statements: Sequence[tuple[str, list[Any]]], savepoint: None = None) -> None:
    """Run INSERTs one by one: SQLite runs in this process, so a statement costs no round trip."""
    with connection.cursor() as cursor:
        for sql, params in statements:
            cursor.execute(sql, params)


def rows_copy(table: str, columns: str, rows: Sequence[Sequence[Any]]) -> None:
    """Load many rows with one prepared INSERT run per row."""
    placeholders = ", ".join(["%s"] * len(columns.split(", ")))
    sql = f"INSERT INTO {table} ({columns}) VALUES ({placeholders})"  # noqa: S608 (names from model metadata)
    with connection.cursor() as cursor:
        cursor.executemany(sql, [[adapt(value) for value in row] for row in rows])
