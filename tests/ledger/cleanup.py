"""Emptying the ledger tables after a test that committed rows, as only a database owner could.

The append-only triggers refuse the DELETE (SQLite) and the TRUNCATE of non-empty tables
(PostgreSQL) that Django uses to reset the database after a transactional test, so such tests drop
the triggers, delete the rows, and put the triggers back.
"""

from django.db import connection, transaction

from ledger import triggers

# Children before parents, so foreign keys never object.
_TABLES = [
    "ledger_pendingleaf",
    "ledger_state",
    "ledger_evidence",
    "ledger_idempotencykey",
    "ledger_leaf",
    "ledger_node",
    "ledger_checkpoint",
    "ledger_event",
    "ledger_log",
]


def triggers_drop() -> None:
    """Remove the append-only triggers, as a database owner could."""
    triggers.triggers_drop(connection)


def triggers_install() -> None:
    """Put the append-only triggers back."""
    triggers.triggers_install(connection)


def ledger_rows_delete() -> None:
    """Delete every ledger row, with the triggers lifted for the moment it takes."""
    with transaction.atomic():
        triggers_drop()
        with connection.cursor() as cursor:
            for table in _TABLES:
                cursor.execute(f"DELETE FROM {table}")
        triggers_install()
