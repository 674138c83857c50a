"""The public consent POST stays within its budget of SQL statements (round trips are its cost)."""

import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from consent.banner.models import DailyCount
from consent.banner.services import daily_count_add
from consent.hooks.models import Delivery
from consent.hooks.services import destination_create
from tests.edge.test_outages import own_redis  # noqa: F401  (the fixture: a Redis of the test's own)
from tests.ledger.cleanup import ledger_rows_delete

URL = "/api/v1/public/sites/acme/consents"
# One choice's statements, as docs/ledger.md lists them. Lower these when a cut lands; never raise them
# without a reason written beside the new statement.
# PostgreSQL: the site from memory, the subject found or made in one statement that also says whether
# the site has an active destination. SQLite has no data-modifying CTEs: the subject's two statements
# and each INSERT on its own, and the destinations read by the write path (no site read either).
# The append's savepoint rides in the same messages as the state read and the insert.
NEW_VISITOR_BUDGET = {"postgresql": 6, "sqlite": 14}
RETURNING_VISITOR_BUDGET = {"postgresql": 6, "sqlite": 13}


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
def committed(transactional_db, own_redis):  # noqa: F811
    """Commit for real, as in production: a process remembers only what it saw committed (the site's log).

    With Redis, as in production, so the site comes from memory once its generation is known.
    """
    yield
    ledger_rows_delete()


@pytest.fixture
def warm(committed, client, site):
    """Post two choices first, so the site's log exists and per-process caches are filled as in production."""
    _post(client, site, "00000000000000000000000000000000", "warm-0001")
    _post(client, site, "00000000000000000000000000000001", "warm-0002")
    return site


def test_a_new_visitors_choice_stays_within_its_statement_budget(client, warm):
    statements = _post(client, warm, "0f1e2d3c4b5a69788796a5b4c3d2e1f0", "key-0001")
    assert len(statements) <= NEW_VISITOR_BUDGET[connection.vendor]


def test_a_returning_visitors_choice_stays_within_its_statement_budget(client, warm):
    _post(client, warm, "0f1e2d3c4b5a69788796a5b4c3d2e1f0", "key-0001")
    statements = _post(client, warm, "0f1e2d3c4b5a69788796a5b4c3d2e1f0", "key-0002")
    assert len(statements) <= RETURNING_VISITOR_BUDGET[connection.vendor]


@pytest.mark.django_db
def test_a_site_with_an_active_destination_still_queues_its_delivery(client, site, settings):
    """The write path learns whether to read destinations with its subject; a site that has one must get it."""
    settings.ASSENT_ALLOW_PRIVATE_DESTINATIONS = True  # a local receiver; nothing is sent
    destination_create(site=site, url="http://127.0.0.1:9/hook", purposes=[])
    _post(client, site, "0f1e2d3c4b5a69788796a5b4c3d2e1f0", "key-0001")
    assert Delivery.objects.filter(destination__site=site).count() == 1


@pytest.mark.django_db
def test_a_days_first_count_and_the_next_are_one_statement_each(site):
    version = site.banner_versions.get().content_hash
    for expected in (1, 2):
        with CaptureQueriesContext(connection) as captured:
            daily_count_add(site=site, banner_version=version, locale="en", counter="custom")
        assert len(captured.captured_queries) == 1
        row = DailyCount.objects.get(site=site, banner_version=version, locale="en")
        assert (row.custom, row.shown, row.accept_all, row.reject_all, row.other) == (expected, 0, 0, 0, 0)


def _synchronous_commit() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SHOW synchronous_commit")
        return str(cursor.fetchone()[0])


@pytest.mark.django_db(transaction=True)
def test_a_count_outside_a_transaction_lands_without_waiting_for_the_disk(site):
    """A figure's commit need not wait for the disk; the setting ends with its own statement."""
    version = site.banner_versions.get().content_hash
    with CaptureQueriesContext(connection) as captured:
        daily_count_add(site=site, banner_version=version, locale="en", counter="accept_all")
    assert DailyCount.objects.get(site=site, banner_version=version, locale="en").accept_all == 1
    if connection.vendor == "postgresql":
        assert captured.captured_queries[0]["sql"].startswith("SET LOCAL synchronous_commit TO OFF; INSERT")
        assert _synchronous_commit() == "on"


@pytest.mark.django_db
def test_a_count_inside_a_callers_transaction_leaves_its_commit_synchronous(site):
    """Inside a caller's transaction, SET LOCAL would reach the caller's commit: it is not sent there."""
    version = site.banner_versions.get().content_hash
    with CaptureQueriesContext(connection) as captured:
        daily_count_add(site=site, banner_version=version, locale="en", counter="accept_all")
    assert "synchronous_commit" not in captured.captured_queries[0]["sql"]
    if connection.vendor == "postgresql":
        assert _synchronous_commit() == "on"
