"""The public consent POST stays within its budget of SQL statements (round trips are its cost)."""

import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

URL = "/api/v1/public/sites/acme/consents"
# One choice's statements, as docs/ledger.md lists them. Lower these when a cut lands; never raise them
# without a reason written beside the new statement.
# Savepoints count: under the test's transaction each atomic block is one, as BEGIN/COMMIT are in production.
NEW_VISITOR_BUDGET = {"postgresql": 15, "sqlite": 19}
RETURNING_VISITOR_BUDGET = {"postgresql": 11, "sqlite": 15}


def _post(client, site, subject, key):
    body = {
        "subject": subject,
        "choices": {"analytics": True, "marketing": False, "personalization": True},
        "banner_version": site.banner_versions.get().content_hash,
        "method": "custom",
        "locale": "en",
        "idempotency_key": key,
        "page_url": "https://acme.example/pricing",
    }
    with CaptureQueriesContext(connection) as captured:
        response = client.post(URL, json.dumps(body), content_type="application/json")
    assert response.status_code == 201, response.content
    statements = [query["sql"] for query in captured.captured_queries]
    return statements


@pytest.fixture
def warm(client, site):
    """Post one choice first, so the site's log exists and per-process caches are filled as in production."""
    _post(client, site, "00000000000000000000000000000000", "warm-0001")
    return site


def test_a_new_visitors_choice_stays_within_its_statement_budget(client, warm):
    statements = _post(client, warm, "0f1e2d3c4b5a69788796a5b4c3d2e1f0", "key-0001")
    assert len(statements) <= NEW_VISITOR_BUDGET[connection.vendor]


def test_a_returning_visitors_choice_stays_within_its_statement_budget(client, warm):
    _post(client, warm, "0f1e2d3c4b5a69788796a5b4c3d2e1f0", "key-0001")
    statements = _post(client, warm, "0f1e2d3c4b5a69788796a5b4c3d2e1f0", "key-0002")
    assert len(statements) <= RETURNING_VISITOR_BUDGET[connection.vendor]
