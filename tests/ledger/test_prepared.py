"""Hot statements asked for as prepared are planned once per connection on PostgreSQL; others never are."""

import pytest
from django.db import connection

from ledger.rows import fetch

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]


def _prepared() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        return [statement for (statement,) in cursor.fetchall()]


def test_a_statement_asked_for_as_prepared_is_prepared_on_its_second_run_and_answers_the_same():
    answers = [fetch("SELECT %s::int + 41 AS answer", [1], prepared=True) for _ in range(3)]
    assert answers == [[(42,)]] * 3
    assert _prepared() == ["SELECT $1::int + 41 AS answer"]


def test_a_statement_not_asked_for_is_never_prepared():
    for _ in range(3):
        assert fetch("SELECT %s::int + 40 AS answer", [2]) == [(42,)]
    assert _prepared() == []


def test_a_prepared_statement_that_returns_no_rows_answers_none():
    with connection.cursor() as cursor:
        cursor.execute("CREATE TEMPORARY TABLE noted (n int)")
    for number in range(3):
        assert fetch("INSERT INTO noted VALUES (%s)", [number], prepared=True) == []
    assert fetch("SELECT count(*) FROM noted", []) == [(3,)]
