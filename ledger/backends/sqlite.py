"""The ledger's write path on SQLite: one writer at a time (no row locks), values as the ORM stores them."""

import json
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from django.db import connection, transaction

from ledger.projection import STATE_COLUMNS, StateRow

# No FOR UPDATE: SQLite takes the database's write lock for the whole transaction (BEGIN IMMEDIATE).
STATE_SELECT = f"SELECT {STATE_COLUMNS} FROM ledger_state WHERE log_id = %s AND subject_key = %s"  # noqa: S608


# A state row's event id as its event's id is stored: the write path stores the former as text with
# hyphens, the ORM the latter as 32 hex digits; comparing them as stored would never match.
STATE_EVENT_ID = "REPLACE(s.event_id, '-', '')"


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


def state_row(row: Sequence[Any]) -> StateRow:
    """Return a row read with STATE_COLUMNS as a StateRow, converted the way the ORM would read it."""
    purpose, granted, kind, source, since, expires_at, event_id, receipt_id = row
    return StateRow(
        purpose,
        bool(granted),
        kind,
        source,
        _utc(since),
        _utc(expires_at) if expires_at else None,
        str(uuid.UUID(event_id)),
        str(uuid.UUID(receipt_id)),
    )


def any_of(column: str, values: Sequence[Any]) -> tuple[str, list[Any]]:
    """Return `column` is one of values (at least one), as SQL and its parameters: SQLite has no arrays."""
    return f"{column} IN ({', '.join(['%s'] * len(values))})", list(values)


def states_locked(log_id: int, key: str, savepoint: None = None) -> dict[str, StateRow]:
    """Return the subject's state rows by purpose (SQLite's write lock is already held: no FOR UPDATE)."""
    with connection.cursor() as cursor:
        cursor.execute(STATE_SELECT, [log_id, key])
        rows = cursor.fetchall()
    return {row[0]: state_row(row) for row in rows}


def fetch(sql: str, params: Sequence[Any], prepared: bool = False) -> list[tuple[Any, ...]]:
    """Run one statement and return its rows (none for one that returns none); SQLite has no plans to keep."""
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return list(cursor.fetchall()) if cursor.description else []


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
