"""Make the database itself refuse to change or remove ledger rows (see ledger.triggers)."""

from django.db import migrations

from ledger.triggers import triggers_drop, triggers_install


def forwards(apps, schema_editor) -> None:
    triggers_install(schema_editor.connection)


def backwards(apps, schema_editor) -> None:
    triggers_drop(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [("ledger", "0001_initial")]

    operations = [migrations.RunPython(forwards, backwards)]
