"""The ledger's write path on PostgreSQL: row locks, one statement per append, COPY for bulk loads."""

import json
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import psycopg
from django.db import connection, transaction
from psycopg.adapt import Transformer
from psycopg.pq import ExecStatus

from ledger.projection import STATE_COLUMNS, StateRow

TUPLES_OK = ExecStatus.TUPLES_OK
STATE_SELECT = f"SELECT {STATE_COLUMNS} FROM ledger_state WHERE log_id = %s AND subject_key = %s FOR UPDATE"  # noqa: S608


# A state row's event id, comparable with its event's id as stored (both are uuid columns here).
STATE_EVENT_ID = "s.event_id"


def adapt(value: Any) -> Any:
    """Return a value as psycopg takes it (it adapts UUIDs and datetimes itself; JSON goes as text)."""
    return json.dumps(value) if isinstance(value, dict) else value


@dataclass
class Savepoint:
    """A savepoint set and released by hand, riding in the same message as an append's first and last statement.

    Inside a caller's transaction an append needs a savepoint (a clash on an idempotency key, or a racing
    first state row, is undone and answered without losing the caller's work). Django's savepoint costs
    two round trips of their own; this one costs none on success and one on failure.
    """

    name: str = "ledger_append"
    opened: bool = False

    def opening(self, sql: str) -> str:
        self.opened = True
        return f"SAVEPOINT {self.name}; {sql}"

    def releasing(self, sql: str) -> str:
        return f"{sql}; RELEASE SAVEPOINT {self.name}"


@contextmanager
def attempt() -> Iterator[Savepoint | None]:
    """Run one try at an append: within a savepoint of the caller's transaction, else in a transaction of its own.

    The try's last statement releases the savepoint (`statements_run`); a failure rolls back to it here.
    """
    if not connection.in_atomic_block:
        with transaction.atomic():
            yield None
        return
    savepoint = Savepoint()
    try:
        yield savepoint
    except BaseException:
        if savepoint.opened:
            with connection.cursor() as cursor:
                # Undo whatever the try wrote (the transaction is usable again) and drop the savepoint.
                cursor.execute(f"ROLLBACK TO SAVEPOINT {savepoint.name}; RELEASE SAVEPOINT {savepoint.name}")
        raise


def fetch(sql: str, params: Sequence[Any], prepared: bool = False) -> list[tuple[Any, ...]]:
    """Run one statement through Django's cursor and return its rows (none for one that returns none).

    `prepared`: its parameters bound on the server, so PostgreSQL plans it once per connection.
    Django binds parameters on the client: the server sees new text every time and plans it anew
    (for the subject's find-or-create and the webhook claim, planning took longer than running). A
    cursor that binds on the server lets psycopg prepare a statement once it has run on the
    connection before (the connection's `prepare_threshold`, set in settings; Django's own cursors
    never prepare). Either way Django's cursor wrapper runs it, so errors and logged queries are as usual.
    """
    if not prepared:
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return _rows(cursor.cursor)
    connection.close_if_health_check_failed()
    connection.ensure_connection()
    with connection.wrap_database_errors:
        raw = psycopg.Cursor(connection.connection)
        cursor = connection._prepare_cursor(raw)  # type: ignore[attr-defined]
    with cursor:
        cursor.execute(sql, params)
        return _rows(raw)


def _rows(cursor: Any) -> list[tuple[Any, ...]]:
    # Asked of the result's status: `description` builds a column object per column on every read.
    result = cursor.pgresult
    return list(cursor.fetchall()) if result is not None and result.status == TUPLES_OK else []


# A row read with STATE_COLUMNS as a StateRow: psycopg has converted its values already.
state_row = StateRow.from_values


def any_of(column: str, values: Sequence[Any]) -> tuple[str, list[Any]]:
    """Return `column` is one of values, as SQL and its parameters: one array parameter, whatever their number.

    A thousand placeholders cost psycopg a split of the statement's text on every execute (it caches
    the split only for short statements) and the ORM a preparation per value; one array costs neither.
    """
    return f"{column} = ANY(%s)", [list(values)]


def states_locked(log_id: int, key: str, savepoint: Savepoint | None = None) -> dict[str, StateRow]:
    """Return the subject's state rows by purpose, locked (FOR UPDATE) until the transaction ends.

    With a savepoint, it is set in the same message, just before the read.
    """
    with connection.cursor() as cursor:
        if savepoint is None:
            cursor.execute(STATE_SELECT, [log_id, key])
        else:
            cursor.execute(savepoint.opening(STATE_SELECT), [log_id, key])
            cursor.nextset()  # past the SAVEPOINT's empty result, to the rows
        rows = cursor.fetchall()
    return {row[0]: state_row(row) for row in rows}


@lru_cache(maxsize=256)
def _template(sql: str) -> bytes:
    """Return a statement's text as a bytes template whose `%s` each take one literal.

    psycopg splits a statement's text into parts on every execute once it is over 4,096 characters
    or 50 parameters (below that it caches the split); the append's multi-insert is both, but comes
    in a handful of shapes, so the split is done here once per shape.
    """
    if sql.count("%") != sql.count("%s"):
        raise ValueError("a hot-path statement holds a '%' that is not a placeholder")
    return sql.encode()


def _rendered(cursor: Any, sql: str, params: Sequence[Any]) -> str:
    """Return the statement with its parameters as literals, exactly as psycopg's client-side binding would."""
    literal = Transformer(cursor.cursor).as_literal
    return (_template(sql) % tuple(literal(param) for param in params)).decode()


def statements_run(statements: Sequence[tuple[str, list[Any]]], savepoint: Savepoint | None = None) -> None:
    """Run several INSERTs as one statement (data-modifying CTEs): one round trip however many tables.

    With a savepoint, it is released in the same message, once the insert succeeded.
    """
    if not statements:
        return
    if len(statements) == 1:
        sql, params = statements[0]
    else:
        sql = "WITH " + ", ".join(f"w{number} AS ({text})" for number, (text, _) in enumerate(statements)) + " SELECT 1"
        params = [p for _, values in statements for p in values]
    with connection.cursor() as cursor:
        # Rendered here and sent without parameters, so psycopg does not split the text again.
        rendered = _rendered(cursor, sql, params)
        cursor.execute(rendered if savepoint is None else savepoint.releasing(rendered))


def rows_copy(table: str, columns: str, rows: Sequence[Sequence[Any]]) -> None:
    """Load many rows with COPY: no SQL text per row, the values stream in COPY's own format."""
    with connection.cursor() as cursor, cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)
