"""Protect ledger_log like the other ledger tables: its rows never change once the log exists."""

from django.db import migrations

from ledger.triggers import triggers_reinstall


def forwards(apps, schema_editor) -> None:
    # Reinstalls every table's triggers, ledger_log's among them (see ledger.triggers.TABLES).
    triggers_reinstall(schema_editor.connection)


def backwards(apps, schema_editor) -> None:
    with schema_editor.connection.cursor() as cursor:
        if schema_editor.connection.vendor == "postgresql":
            cursor.execute("DROP TRIGGER IF EXISTS ledger_log_append_only ON ledger_log")
            cursor.execute("DROP TRIGGER IF EXISTS ledger_log_no_truncate ON ledger_log")
        else:
            cursor.execute("DROP TRIGGER IF EXISTS ledger_log_no_update")
            cursor.execute("DROP TRIGGER IF EXISTS ledger_log_no_delete")


class Migration(migrations.Migration):
    dependencies = [("ledger", "0006_idempotency_scoped")]

    operations = [migrations.RunPython(forwards, backwards)]
