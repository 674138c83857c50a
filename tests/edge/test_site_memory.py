"""A public write's site comes from memory only while its generation in Redis holds; a change is seen at once."""

import json
from datetime import timedelta

import pytest
import redis
from django.core.cache import cache
from django.db import connection
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext

from consent.edge.ratelimit import site_generation_key
from consent.hooks.models import Delivery
from consent.hooks.services import destination_create
from consent.models import Site, Subject
from ledger import selectors as ledger_selectors
from tests.edge.conftest import CONSENTS, consent_body
from tests.edge.test_outages import own_redis  # noqa: F401  (the fixture: a Redis of the test's own)

pytestmark = pytest.mark.django_db


def _post(client, site, subject):
    with CaptureQueriesContext(connection) as captured:
        response = client.post(CONSENTS, consent_body(site, subject=subject), content_type="application/json")
    return response, [query["sql"] for query in captured.captured_queries]


def _site_reads(statements):
    return [sql for sql in statements if 'FROM "consent_site"' in sql]


def _expires_in_days(site, external_id):
    pseudonym = Subject.objects.get(
        site=site, external_id=json.loads(consent_body(site, subject=external_id))["subject"]
    ).pseudonym
    state = ledger_selectors.subject_state(site=site.key, subject=pseudonym)
    row = state["analytics"]
    return round((row.expires_at - row.since) / timedelta(days=1))


def _generation(server, key):
    return redis.Redis(port=server.port).get(cache.make_and_validate_key(site_generation_key(key)))


def test_a_remembered_site_is_served_without_reading_the_database(own_redis, site):  # noqa: F811
    client = Client()
    first, first_statements = _post(client, site, "visitor-0001")
    second, second_statements = _post(client, site, "visitor-0002")
    assert (first.status_code, second.status_code) == (201, 201)
    assert len(_site_reads(first_statements)) == 1
    assert _site_reads(second_statements) == []


def test_a_change_saved_here_gives_the_site_a_new_generation_in_redis_after_commit(
    own_redis,  # noqa: F811
    site,
    django_capture_on_commit_callbacks,
):
    client = Client()
    assert _post(client, site, "visitor-0001")[0].status_code == 201
    before = _generation(own_redis, site.key)
    with django_capture_on_commit_callbacks(execute=True):
        site.consent_lifetime_days = 30
        site.save()
        assert _generation(own_redis, site.key) == before  # not before the commit
    assert _generation(own_redis, site.key) not in {before, None}
    response, statements = _post(client, site, "visitor-0002")
    assert response.status_code == 201
    assert len(_site_reads(statements)) == 1
    assert _expires_in_days(site, "visitor-0002") == 30


def test_a_change_another_process_bumped_in_redis_is_seen_by_the_next_write(own_redis, site):  # noqa: F811
    client = Client()
    assert _post(client, site, "visitor-0001")[0].status_code == 201
    assert _expires_in_days(site, "visitor-0001") == site.consent_lifetime_days
    # Another process changes the row (nothing of it reaches this one) and bumps the generation.
    Site.objects.filter(pk=site.pk).update(consent_lifetime_days=7)
    unbumped = _post(client, site, "visitor-0002")[0]
    assert unbumped.status_code == 201
    assert _expires_in_days(site, "visitor-0002") == site.consent_lifetime_days  # memory, as designed
    redis.Redis(port=own_redis.port).set(cache.make_and_validate_key(site_generation_key(site.key)), "other")
    assert _post(client, site, "visitor-0003")[0].status_code == 201
    assert _expires_in_days(site, "visitor-0003") == 7


def test_a_renamed_site_is_no_longer_found_under_its_old_key(
    own_redis,  # noqa: F811
    site,
    django_capture_on_commit_callbacks,
):
    # A published site cannot be deleted (its versions protect it); renaming is how its key goes away.
    client = Client()
    assert _post(client, site, "visitor-0001")[0].status_code == 201
    body = consent_body(site, subject="visitor-0002")
    with django_capture_on_commit_callbacks(execute=True):
        site.key = "acme-renamed"
        site.save()
    response = client.post(CONSENTS, body, content_type="application/json")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


@override_settings(ASSENT_ALLOW_PRIVATE_DESTINATIONS=True)  # a local receiver; nothing is sent
def test_a_destination_added_after_the_site_was_remembered_gets_its_outbox_row(own_redis, site):  # noqa: F811
    client = Client()
    assert _post(client, site, "visitor-0001")[0].status_code == 201
    # Not bumped (the test's transaction never commits, as if Redis had missed the bump): the write
    # path must still learn of the destination from the database.
    destination_create(site=site, url="http://127.0.0.1:9/hook", purposes=[])
    response, statements = _post(client, site, "visitor-0002")
    assert response.status_code == 201
    assert _site_reads(statements) == []
    assert Delivery.objects.filter(destination__site=site).count() == 1


def test_a_write_asks_redis_only_for_its_two_counters_and_the_generation(own_redis, site):  # noqa: F811
    client = Client()
    assert _post(client, site, "visitor-0001")[0].status_code == 201
    (response, _), commands = own_redis.commands(lambda: _post(client, site, "visitor-0002"))
    assert response.status_code == 201
    # One script: SET NX + INCR for the client and the site, SET NX + GET for the generation.
    assert commands == {
        "cmdstat_evalsha": 1,
        "cmdstat_set": 3,
        "cmdstat_incr": 2,
        "cmdstat_get": 1,
    }
