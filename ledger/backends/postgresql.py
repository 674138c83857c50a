"""The ledger's write path on PostgreSQL: row locks, one statement per append, COPY for bulk loads."""

import json
from collections.abc import Sequence
from functools import lru_cache
from typing import Any

from django.db import connection
from psycopg.adapt import Transformer

from ledger.projection import STATE_COLUMNS, StateRow

STATE_SELECT = f"SELECT {STATE_COLUMNS} FROM ledger_state WHERE log_id = %s AND subject_key = %s FOR UPDATE"  # noqa: S608


# A state row's event id, comparable with its event's id as stored (both are uuid columns here).
STATE_EVENT_ID = "s.event_id"


def adapt(value: Any) -> Any:
    """Return a value as psycopg takes it (it adapts UUIDs and datetimes itself; JSON goes as text)."""
    return json.dumps(value) if isinstance(value, dict) else value


def state_row(row: Sequence[Any]) -> StateRow:
    """Return a row read with STATE_COLUMNS as a StateRow (psycopg has converted its values already)."""
    purpose, granted, kind, source, since, expires_at, event_id, receipt_id = row
    return StateRow(purpose, granted, kind, source, since, expires_at, str(event_id), str(receipt_id))


def any_of(column: str, values: Sequence[Any]) -> tuple[str, list[Any]]:
    """Return `column` is one of values, as SQL and its parameters: one array parameter, whatever their number.

    A thousand placeholders cost psycopg a split of the statement's text on every execute (it caches
    the split only for short statements) and the ORM a preparation per value; one array costs neither.
    """
    return f"{column} = ANY(%s)", [list(values)]


def states_locked(log_id: int, key: str) -> dict[str, StateRow]:
    """Return the subject's state rows by purpose, locked (FOR UPDATE) until the transaction ends."""
    with connection.cursor() as cursor:
        cursor.execute(STATE_SELECT, [log_id, key])
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


def statements_run(statements: Sequence[tuple[str, list[Any]]]) -> None:
    """Run several INSERTs as one statement (data-modifying CTEs): one round trip however many tables."""
    if not statements:
        return
    if len(statements) == 1:
        sql, params = statements[0]
    else:
        sql = "WITH " + ", ".join(f"w{number} AS ({text})" for number, (text, _) in enumerate(statements)) + " SELECT 1"
        params = [p for _, values in statements for p in values]
    with connection.cursor() as cursor:
        # Rendered here and sent without parameters, so psycopg does not split the text again.
        cursor.execute(_rendered(cursor, sql, params))


def rows_copy(table: str, columns: str, rows: Sequence[Sequence[Any]]) -> None:
    """Load many rows with COPY: no SQL text per row, the values stream in COPY's own format."""
    with connection.cursor() as cursor, cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)
