"""The append-only triggers: the database refuses to change or remove ledger rows.

PostgreSQL: a row-level trigger refuses UPDATE and DELETE, and a statement-level trigger refuses
TRUNCATE of a table that holds rows (emptying an empty table destroys nothing; test databases are
reset that way). SQLite: triggers refuse UPDATE and DELETE (SQLite has no TRUNCATE).

Only the database owner can drop these triggers, and doing so is exactly what verify_ledger detects.
SQLite rebuilds a table to alter it, losing its triggers, so a migration that alters one of these
tables ends with `triggers_reinstall`.
"""

from typing import Any

TABLES = ["ledger_event", "ledger_leaf", "ledger_node", "ledger_checkpoint"]

POSTGRES_FUNCTION = """
CREATE OR REPLACE FUNCTION ledger_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    empty boolean;
BEGIN
    IF TG_OP = 'TRUNCATE' THEN
        EXECUTE format('SELECT NOT EXISTS (SELECT 1 FROM %I.%I)', TG_TABLE_SCHEMA, TG_TABLE_NAME) INTO empty;
        IF empty THEN
            RETURN NULL;
        END IF;
    END IF;
    RAISE EXCEPTION '% on % refused: the ledger is append-only', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'integrity_constraint_violation';
END
$$;
"""


def _postgres_install(table: str) -> list[str]:
    return [
        f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
        f"FOR EACH ROW EXECUTE FUNCTION ledger_refuse_change()",
        f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
        f"FOR EACH STATEMENT EXECUTE FUNCTION ledger_refuse_change()",
    ]


def _sqlite_install(table: str) -> list[str]:
    return [
        f"CREATE TRIGGER {table}_no_{operation.lower()} BEFORE {operation} ON {table} "
        f"BEGIN SELECT RAISE(ABORT, '{operation} on {table} refused: the ledger is append-only'); END"
        for operation in ("UPDATE", "DELETE")
    ]


def triggers_install(connection: Any) -> None:
    """Create the append-only triggers on every ledger table."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(POSTGRES_FUNCTION)
            statements = [sql for table in TABLES for sql in _postgres_install(table)]
        else:
            statements = [sql for table in TABLES for sql in _sqlite_install(table)]
        for sql in statements:
            cursor.execute(sql)


def triggers_drop(connection: Any) -> None:
    """Remove the append-only triggers (what a database owner could do; verify_ledger still catches tampering)."""
    with connection.cursor() as cursor:
        for table in TABLES:
            if connection.vendor == "postgresql":
                cursor.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}")
                cursor.execute(f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table}")
            else:
                cursor.execute(f"DROP TRIGGER IF EXISTS {table}_no_update")
                cursor.execute(f"DROP TRIGGER IF EXISTS {table}_no_delete")


def triggers_reinstall(connection: Any) -> None:
    """Drop whatever triggers remain and install them all again."""
    triggers_drop(connection)
    triggers_install(connection)


def trigger_names(vendor: str) -> list[str]:
    """Return the name of every trigger this module installs on a backend."""
    suffixes = ("append_only", "no_truncate") if vendor == "postgresql" else ("no_update", "no_delete")
    return [f"{table}_{suffix}" for table in TABLES for suffix in suffixes]


def triggers_missing(connection: Any) -> list[str]:
    """Return the append-only triggers that are not installed (a database owner dropped them)."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT tgname FROM pg_trigger WHERE NOT tgisinternal")
        else:
            cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")
        present = {row[0] for row in cursor.fetchall()}
    return sorted(set(trigger_names(connection.vendor)) - present)
