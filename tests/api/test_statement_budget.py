"""A subject lookup and a bulk check stay within their budgets of SQL statements (round trips are their cost)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.edge.test_outages import own_redis  # noqa: F401  (the fixture: a Redis of the test's own)
from tests.ledger.cleanup import ledger_rows_delete

# Lower these when a cut lands; never raise them without a reason written beside the new statement.
# A lookup: the subject (and the user a device is linked to), the access-log INSERT, the state rows
# with their events' jurisdictions. The key and the site come from memory; the log too. PostgreSQL
# does all three in one statement (a data-modifying WITH); SQLite has none, so runs them one by one.
LOOKUP_BUDGET = {"postgresql": 1, "sqlite": 3}
# A bulk check: the site's purposes, the access-log INSERT, the subjects, their state rows.
CHECK_BUDGET = 4


@pytest.fixture
def warm(transactional_db, own_redis, api, record):  # noqa: F811
    """Commit for real and ask twice first, so the key, the site and the log are remembered as in production."""
    record("visitor-1", {"analytics": True, "marketing": False})
    record("visitor-2", {"analytics": False})
    for _ in range(2):
        assert api.get("/api/v1/sites/acme/subjects/visitor-1").status_code == 200
    yield api
    ledger_rows_delete()


def _statements(request) -> list[str]:
    with CaptureQueriesContext(connection) as captured:
        response = request()
    assert response.status_code == 200, response.content
    return [query["sql"] for query in captured.captured_queries]


def test_a_subject_lookup_stays_within_its_statement_budget(warm):
    statements = _statements(lambda: warm.get("/api/v1/sites/acme/subjects/visitor-2"))
    assert len(statements) <= LOOKUP_BUDGET[connection.vendor], statements


def test_a_bulk_check_stays_within_its_statement_budget(warm):
    body = {"subjects": ["visitor-1", "visitor-2", "visitor-3"], "purposes": ["analytics", "marketing"]}
    statements = _statements(lambda: warm.post("/api/v1/sites/acme/consents/check", body, format="json"))
    assert len(statements) <= CHECK_BUDGET, statements
