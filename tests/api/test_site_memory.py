"""An API request's site comes from memory only while its generation holds: a change is refused at once."""

import pytest
import redis
from django.core.cache import cache
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext

from consent.edge.ratelimit import site_generation_key
from consent.models import Organization, Site
from tests.edge.test_outages import own_redis  # noqa: F401  (the fixture: a Redis of the test's own)

pytestmark = pytest.mark.django_db

URL = "/api/v1/sites/{key}/subjects/visitor-1"


@pytest.fixture
def chosen(record):
    record("visitor-1", {"analytics": True})


def _get(api, key="acme"):
    with CaptureQueriesContext(connection) as captured:
        response = api.get(URL.format(key=key))
    statements = [query["sql"] for query in captured.captured_queries]
    # The site's own read, not the key's (which lists the sites it is limited to, remembered with the key).
    return response, [sql for sql in statements if 'FROM "consent_site"' in sql and "api_apikey" not in sql]


def test_a_remembered_site_is_not_read_from_the_database_again(own_redis, api, chosen):  # noqa: F811
    first, first_reads = _get(api)
    second, second_reads = _get(api)
    assert (first.status_code, second.status_code) == (200, 200)
    assert len(first_reads) == 1
    assert second_reads == []


def _rename(site):
    site.key = "acme-renamed"


def _move(site):
    site.organization = Organization.objects.create(name="Elsewhere")


@pytest.mark.parametrize("change", [_rename, _move], ids=["renamed, refused under its old key", "moved away"])
def test_a_changed_site_is_refused_on_the_very_next_request(
    own_redis,  # noqa: F811
    api,
    chosen,
    site,
    django_capture_on_commit_callbacks,
    change,
):
    assert _get(api)[0].status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        change(site)
        site.save()
    response = _get(api)[0]
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_a_change_another_process_announced_in_redis_is_seen_by_the_next_request(
    own_redis,  # noqa: F811
    api,
    chosen,
    site,
):
    assert _get(api)[0].status_code == 200
    # Another process moves the site away (nothing of it reaches this one) and bumps its generation.
    Site.objects.filter(pk=site.pk).update(organization=Organization.objects.create(name="Elsewhere"))
    assert _get(api)[0].status_code == 200  # memory, as designed, until the generation changes
    redis.Redis(port=own_redis.port).set(cache.make_and_validate_key(site_generation_key(site.key)), "other")
    assert _get(api)[0].status_code == 404


@override_settings(CACHES={"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}})
def test_without_redis_every_request_reads_the_site(api, chosen):
    reads = [_get(api)[1] for _ in range(2)]
    assert [len(found) for found in reads] == [1, 1]


def test_a_site_remembered_for_one_organization_is_not_served_to_another(
    own_redis,  # noqa: F811
    api,
    outsider_api,
    chosen,
):
    assert _get(api)[0].status_code == 200
    response = _get(outsider_api)[0]
    assert response.status_code == 404


def test_a_lookup_asks_redis_one_command_for_the_key_generation_its_counter_and_the_site_generation(
    own_redis,  # noqa: F811
    api,
    chosen,
):
    assert _get(api)[0].status_code == 200
    (response, _), commands = own_redis.commands(lambda: _get(api))
    assert response.status_code == 200
    # One script: SET NX + INCR for the key's counter, SET NX + GET for the keys' generation and for
    # the site's generation.
    assert commands == {
        "cmdstat_evalsha": 1,
        "cmdstat_get": 2,
        "cmdstat_set": 3,
        "cmdstat_incr": 1,
    }
