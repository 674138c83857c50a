"""Append-only, three times over: the models, the database triggers and the admin."""

import pytest
from django.contrib import admin
from django.db import DatabaseError, connection, transaction
from django.test import RequestFactory

from ledger import services
from ledger.models import AppendOnlyError, Checkpoint, Event, Leaf, Node
from tests.ledger.conftest import SITE, Append

TABLES = ["ledger_event", "ledger_leaf", "ledger_node", "ledger_checkpoint"]


def _logged(append: Append) -> None:
    for number in range(3):
        append(subject=f"visitor-{number}")
    services.log_integrate(site=SITE)


@pytest.mark.parametrize("model", [Event, Leaf, Node, Checkpoint])
def test_the_model_refuses_to_update_or_delete_a_stored_row(append: Append, model: type) -> None:
    _logged(append)
    row = model.objects.first()
    with pytest.raises(AppendOnlyError):
        row.save()
    with pytest.raises(AppendOnlyError):
        row.delete()
    with pytest.raises(AppendOnlyError):
        model.objects.all().update(log_id=row.log_id)
    with pytest.raises(AppendOnlyError):
        model.objects.all().delete()


def _refused(sql: str) -> None:
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql)


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("table", TABLES)
def test_the_database_refuses_raw_update_and_delete(committed: Append, table: str) -> None:
    _logged(committed)
    _refused(f"UPDATE {table} SET log_id = log_id")
    _refused(f"DELETE FROM {table}")
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COUNT(*) FROM {table}")
        assert cursor.fetchone()[0] > 0


@pytest.mark.django_db(transaction=True)
def test_the_database_refuses_to_change_or_delete_a_log_row(committed: Append) -> None:
    _logged(committed)
    _refused("UPDATE ledger_log SET origin = 'forged.example/ledger/acme'")
    _refused("UPDATE ledger_log SET subject_secret = subject_secret")
    _refused("DELETE FROM ledger_log")
    with connection.cursor() as cursor:
        cursor.execute("SELECT origin FROM ledger_log")
        assert cursor.fetchone()[0].endswith("/ledger/acme")


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("table", [*TABLES, "ledger_log"])
def test_postgresql_refuses_truncate_of_a_ledger_table(committed: Append, table: str) -> None:
    _logged(committed)
    _refused(f"TRUNCATE {table} CASCADE")


@pytest.mark.django_db(transaction=True)
def test_the_event_trigger_names_the_operation(committed: Append) -> None:
    committed()
    with pytest.raises(DatabaseError, match="UPDATE on ledger_event refused"), connection.cursor() as cursor:
        cursor.execute("UPDATE ledger_event SET granted = NOT granted")


@pytest.mark.parametrize("model", [Event, Leaf, Checkpoint])
def test_the_admin_offers_no_way_to_write(model: type, admin_user: object) -> None:
    request = RequestFactory().get("/")
    request.user = admin_user
    page = admin.site._registry[model]
    assert not page.has_add_permission(request)
    assert not page.has_change_permission(request)
    assert not page.has_delete_permission(request)
