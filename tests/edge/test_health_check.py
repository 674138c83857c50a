"""The database health check asks PostgreSQL only when the server has said something since its last answer."""

import select
import time

import psycopg
import pytest
from django.db import connection
from django.db.backends.postgresql import base as django_postgresql

pytestmark = pytest.mark.postgres


def _refuse_round_trips(monkeypatch: pytest.MonkeyPatch) -> None:
    def asked(self: object) -> bool:
        raise AssertionError("the health check asked the server")

    monkeypatch.setattr(django_postgresql.DatabaseWrapper, "is_usable", asked)


def test_a_quiet_connection_is_usable_without_a_round_trip(transactional_db, monkeypatch):
    connection.ensure_connection()
    _refuse_round_trips(monkeypatch)
    connection.health_check_done = False
    connection.close_if_health_check_failed()
    assert connection.connection is not None


def test_a_connection_the_server_dropped_is_replaced_before_the_next_query(transactional_db, settings):
    connection.ensure_connection()
    dropped = connection.connection.info.backend_pid
    with psycopg.connect(connection.connection.info.dsn, autocommit=True) as other:
        other.execute("SELECT pg_terminate_backend(%s)", [dropped])
    # The server's goodbye arrives on the idle connection's socket.
    deadline = time.monotonic() + 10
    while not select.select([connection.connection.fileno()], [], [], 0.1)[0]:
        assert time.monotonic() < deadline, "the server never closed the connection"
    connection.health_check_done = False
    connection.close_if_health_check_failed()
    assert connection.connection is None
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        assert cursor.fetchone()[0] != dropped
