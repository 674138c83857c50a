"""The append-only triggers: the database refuses to change or remove ledger rows.

PostgreSQL: a row-level trigger refuses UPDATE and DELETE, and a statement-level trigger refuses
TRUNCATE of a table that holds rows (emptying an empty table destroys nothing; test databases are
reset that way). SQLite: triggers refuse UPDATE and DELETE (SQLite has no TRUNCATE).

The log table itself is protected the same way: a row of ledger_log holds only what is fixed when the
site's log is created (site, origin, subject secret); its size and root live in the append-only
leaves, subtrees and checkpoints, so no UPDATE of a log row is ever legitimate.

Only the database owner can drop, disable or rewrite these triggers, and verify_ledger checks that
every one is present, enabled and exactly as installed here (on PostgreSQL, the function's body too).
SQLite rebuilds a table to alter it, losing its triggers, so a migration that alters one of these
tables ends with `triggers_reinstall`.
"""

from typing import Any

TABLES = ["ledger_log", "ledger_event", "ledger_leaf", "ledger_node", "ledger_checkpoint"]

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


# The function's body as PostgreSQL keeps it (pg_proc.prosrc): the text between the dollar quotes.
POSTGRES_FUNCTION_BODY = POSTGRES_FUNCTION.split("$$")[1]


def _postgres_install(table: str) -> list[str]:
    return [
        f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
        f"FOR EACH ROW EXECUTE FUNCTION ledger_refuse_change()",
        f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
        f"FOR EACH STATEMENT EXECUTE FUNCTION ledger_refuse_change()",
    ]


def _postgres_definitions(schema: str, table: str) -> dict[str, str]:
    """Return each trigger of a table as pg_get_triggerdef() prints it when installed by this module."""
    call = "EXECUTE FUNCTION ledger_refuse_change()"
    return {
        f"{table}_append_only": f"CREATE TRIGGER {table}_append_only BEFORE DELETE OR UPDATE ON {schema}.{table} "
        f"FOR EACH ROW {call}",
        f"{table}_no_truncate": f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {schema}.{table} "
        f"FOR EACH STATEMENT {call}",
    }


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


_POSTGRES_TRIGGERS = """
    SELECT c.relname, t.tgname, t.tgenabled, pg_get_triggerdef(t.oid), p.prosrc
    FROM pg_trigger t
    JOIN pg_class c ON c.oid = t.tgrelid
    JOIN pg_namespace n ON n.oid = c.relnamespace
    JOIN pg_proc p ON p.oid = t.tgfoid
    WHERE NOT t.tgisinternal AND n.nspname = current_schema() AND c.relname = ANY(%s)
"""
# 'O' fires in ordinary sessions, 'A' always; 'D' is disabled and 'R' fires only when replicating.
_ENABLED = {"O", "A"}


def _postgres_problems(cursor: Any) -> list[str]:
    cursor.execute("SELECT current_schema()")
    schema = cursor.fetchone()[0]
    cursor.execute(_POSTGRES_TRIGGERS, [TABLES])
    found = {(table, name): (enabled, definition, body) for table, name, enabled, definition, body in cursor.fetchall()}
    problems = []
    for table in TABLES:
        for name, expected in _postgres_definitions(schema, table).items():
            if (table, name) not in found:
                problems.append(f"trigger {name} is missing")
                continue
            enabled, definition, body = found[table, name]
            if enabled not in _ENABLED:
                problems.append(f"trigger {name} is disabled")
            if definition != expected:
                problems.append(f"trigger {name} was changed: {definition}")
            elif body != POSTGRES_FUNCTION_BODY:
                problems.append(f"trigger {name} runs a changed ledger_refuse_change()")
    return problems


def _sqlite_problems(cursor: Any) -> list[str]:
    cursor.execute("SELECT name, tbl_name, sql FROM sqlite_master WHERE type = 'trigger'")
    found = {name: (table, sql) for name, table, sql in cursor.fetchall()}
    problems = []
    for table in TABLES:
        for sql in _sqlite_install(table):
            name = sql.split()[2]
            if name not in found:
                problems.append(f"trigger {name} is missing")
            elif found[name] != (table, sql):
                problems.append(f"trigger {name} was changed: {found[name][1]}")
    return problems


def triggers_problems(connection: Any) -> list[str]:
    """Return what is wrong with the append-only triggers: missing, disabled or not as installed (empty if none)."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            return _postgres_problems(cursor)
        return _sqlite_problems(cursor)


def triggers_restore(apps: object, schema_editor: Any) -> None:
    """A migration step after altering a ledger table: SQLite rebuilds the table and loses its triggers."""
    triggers_reinstall(schema_editor.connection)
