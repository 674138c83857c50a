"""The ledger's write path on PostgreSQL: row locks, one statement per append, COPY for bulk loads."""

import json
from collections.abc import Sequence
from typing import Any

from django.db import connection

from ledger.projection import StateRow

STATE_SELECT = (
    "SELECT purpose, granted, kind, source, since, expires_at, event_id, receipt_id"
    " FROM ledger_state WHERE log_id = %s AND subject_key = %s FOR UPDATE"
)


def adapt(value: Any) -> Any:
    """Return a value as psycopg takes it (it adapts UUIDs and datetimes itself; JSON goes as text)."""
    return json.dumps(value) if isinstance(value, dict) else value


def states_locked(log_id: int, key: str) -> dict[str, StateRow]:
    """Return the subject's state rows by purpose, locked (FOR UPDATE) until the transaction ends."""
    with connection.cursor() as cursor:
        cursor.execute(STATE_SELECT, [log_id, key])
        rows = cursor.fetchall()
    return {
        purpose: StateRow(purpose, granted, kind, source, since, expires_at, str(event_id), str(receipt_id))
        for purpose, granted, kind, source, since, expires_at, event_id, receipt_id in rows
    }


def statements_run(statements: Sequence[tuple[str, list[Any]]]) -> None:
    """Run several INSERTs as one statement (data-modifying CTEs): one round trip however many tables."""
    if not statements:
        return
    with connection.cursor() as cursor:
        if len(statements) == 1:
            cursor.execute(*statements[0])
            return
        ctes = ", ".join(f"w{number} AS ({sql})" for number, (sql, _) in enumerate(statements))
        cursor.execute(f"WITH {ctes} SELECT 1", [p for _, params in statements for p in params])


def rows_copy(table: str, columns: str, rows: Sequence[Sequence[Any]]) -> None:
    """Load many rows with COPY: no SQL text per row, the values stream in COPY's own format."""
    with connection.cursor() as cursor, cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)
