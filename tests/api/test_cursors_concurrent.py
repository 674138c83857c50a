"""Cursors under real concurrency (PostgreSQL): pages read while another connection keeps appending."""

import threading
import uuid

import pytest
from django.db import connection
from rest_framework.test import APIClient

from consent.api.services import api_key_create
from consent.services import consent_record
from ledger.services import log_integrate
from tests import factories

pytestmark = pytest.mark.postgres


@pytest.mark.django_db
def test_the_last_page_of_an_audience_has_no_cursor(api, record):
    # Also makes pytest-django set up the test database when this module runs alone: the tests
    # below use committed data through django_db_setup, which does not count as needing it.
    record("visitor-1", {"marketing": True})
    page = api.get("/api/v1/sites/acme/consents", {"purpose": "marketing", "limit": 1}).json()
    assert [item["subject"] for item in page["results"]] == ["visitor-1"]
    assert (
        api.get("/api/v1/sites/acme/consents", {"purpose": "marketing", "cursor": page["next"]}).json()["next"] is None
    )


@pytest.fixture
def committed(django_db_setup, django_db_blocker):
    """A site and a key committed for real, so other connections see them.

    The ledger refuses DELETE and TRUNCATE, so everything here is made under fresh names and stays.
    """
    tag = uuid.uuid4().hex[:10]
    with django_db_blocker.unblock():
        organization = factories.OrganizationFactory(name=f"Cursors {tag}")
        site = factories.published_site(organization=organization, key=f"cursors-{tag}")
        _, key = api_key_create(organization=organization, name="cursors")
        api = APIClient()
        api.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
        yield site, api, f"/api/v1/sites/{site.key}"


def choose(site, external_id, granted):
    consent_record(
        site=site, external_id=external_id, choices={"marketing": granted}, source="api", method="api", locale="en"
    )


class Writer(threading.Thread):
    """Append choices (and integrate them into the log) on its own connection until told to stop."""

    def __init__(self, site, integrate: bool) -> None:
        super().__init__(daemon=True)
        self.site, self.integrate = site, integrate
        self.stop = threading.Event()
        self.written = 0

    def run(self) -> None:
        try:
            while not self.stop.is_set() and self.written < 30:
                choose(self.site, f"new-{self.written}", True)
                # Existing subjects change their minds too: their rows move in time, not in key order.
                choose(self.site, f"old-{self.written % 40}", True)
                self.written += 1
                if self.integrate:
                    log_integrate(site=self.site.key)
        finally:
            connection.close()


def test_the_audience_loses_and_repeats_no_one_while_another_connection_appends(committed):
    site, api, base = committed
    for n in range(40):
        choose(site, f"old-{n}", True)
    writer = Writer(site, integrate=False)
    writer.start()
    seen, cursor = [], None
    try:
        while True:
            params = {"purpose": "marketing", "limit": 5, **({"cursor": cursor} if cursor else {})}
            page = api.get(f"{base}/consents", params).json()
            seen += [item["subject"] for item in page["results"]]
            cursor = page["next"]
            if cursor is None:
                break
    finally:
        writer.stop.set()
        writer.join(timeout=30)
    assert writer.written > 0
    assert len(seen) == len(set(seen)), "a subject was repeated"
    assert {f"old-{n}" for n in range(40)} <= set(seen), "a subject granted throughout was lost"


def test_the_event_feed_skips_and_repeats_nothing_while_another_connection_appends(committed):
    site, api, base = committed
    for n in range(10):
        choose(site, f"old-{n}", True)
    log_integrate(site=site.key)
    writer = Writer(site, integrate=True)
    writer.start()
    indices, ids, since = [], [], 0
    try:
        while writer.is_alive() and len(indices) < 300:
            page = api.get(f"{base}/events", {"since": since, "limit": 7}).json()
            indices += [event["index"] for event in page["events"]]
            ids += [event["id"] for event in page["events"]]
            since = page["next"]
    finally:
        writer.stop.set()
        writer.join(timeout=30)
    log_integrate(site=site.key)
    while True:
        page = api.get(f"{base}/events", {"since": since, "limit": 500}).json()
        if not page["events"]:
            break
        indices += [event["index"] for event in page["events"]]
        ids += [event["id"] for event in page["events"]]
        since = page["next"]
    assert writer.written > 0
    assert indices == list(range(len(indices))), "the feed skipped or repeated a position"
    assert len(set(ids)) == len(ids)
    everything = api.get(f"{base}/events", {"since": 0, "limit": 1000}).json()["events"]
    assert [event["id"] for event in everything] == ids
