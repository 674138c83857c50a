"""Keys a process remembers between requests: cheaper, and never trusted past a change to any key."""

import subprocess
import sys
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from consent.api import keycache
from consent.api.models import ApiKey
from consent.api.services import api_key_revoke
from consent.edge import memory
from tests.factories import UserFactory, published_site

pytestmark = pytest.mark.django_db

URL = "/api/v1/sites/acme/subjects/visitor-1"


@pytest.fixture
def chosen(record):
    record("visitor-1", {"analytics": True, "marketing": False})


def key_queries(client) -> list[str]:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(URL).status_code == 200
    return [query["sql"] for query in queries if "api_apikey" in query["sql"]]


def test_a_remembered_key_is_not_read_from_the_database_again(api, chosen):
    assert key_queries(api)  # the first request reads the key
    assert key_queries(api) == []


def test_a_key_revoked_after_it_was_remembered_is_refused_on_the_very_next_request(api, chosen):
    assert api.get(URL).status_code == 200
    api_key_revoke(api_key=ApiKey.objects.get())
    response = api.get(URL)
    assert response.status_code == 401
    assert "revoked" in response.json()["error"]["message"]


def test_a_key_revoked_by_another_process_is_refused_at_once(api, chosen, tmp_path):
    """Another process announces the change through the shared cache only: this process must heed it."""
    assert api.get(URL).status_code == 200
    # What api_key_revoke does in another process: the row changes, then a new generation is set.
    ApiKey.objects.update(revoked_at=timezone.now())
    code = "from consent.api import keycache; keycache.keys_changed()"
    subprocess.run(
        [sys.executable, "-c", f"import django; django.setup(); {code}"],
        check=True,
        env=subprocess_env(),
        timeout=60,
    )
    assert api.get(URL).status_code == 401


def subprocess_env() -> dict[str, str]:
    """The environment of a second process sharing this one's cache (settings read from the environment)."""
    import os

    from django.conf import settings

    from tests.api.test_keys import _test_database_url

    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "consent.settings", "DATABASE_URL": _test_database_url()}
    backend = settings.CACHES["default"]
    if "redis" in backend["BACKEND"].lower():
        env["CACHE_URL"] = backend["LOCATION"]
    elif "filebased" in backend["BACKEND"].lower():
        env["CACHE_URL"] = f"file://{backend['LOCATION']}"
    else:
        pytest.fail(f"the tests need a cache shared between processes, not {backend['BACKEND']}")
    return env


def test_a_flushed_cache_makes_every_process_read_keys_again(api, chosen):
    assert api.get(URL).status_code == 200
    cache.clear()
    assert key_queries(api)


def test_a_key_unchanged_for_long_is_still_read_again_now_and_then(api, chosen, monkeypatch):
    assert api.get(URL).status_code == 200
    later = memory.time.monotonic() + keycache.MAX_AGE + 1
    monkeypatch.setattr(memory.time, "monotonic", lambda: later)
    assert key_queries(api)


@override_settings(CACHES={"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache",
                                       "LOCATION": "redis://127.0.0.1:1/0"}})  # fmt: skip
def test_without_the_shared_cache_every_request_reads_the_key(api, chosen):
    for _ in range(2):
        assert keycache.generation_current() is None
        assert key_queries(api)


def test_an_expiry_set_in_the_admin_takes_effect_at_once(client, api, chosen):
    assert api.get(URL).status_code == 200
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    api_key = ApiKey.objects.get()
    soon = timezone.now() + timedelta(seconds=1)
    response = client.post(
        f"/admin/api/apikey/{api_key.pk}/change/",
        {"name": api_key.name, "expires_at_0": soon.strftime("%Y-%m-%d"), "expires_at_1": soon.strftime("%H:%M:%S")},
    )
    assert response.status_code == 302, response.content
    ApiKey.objects.update(expires_at=timezone.now() - timedelta(seconds=1))  # as if that second had passed
    # The admin's save announced the change, so the row is read again (with the expiry in it).
    assert api.get(URL).status_code == 401


def test_a_key_deleted_in_the_admin_stops_working_at_once(client, api, chosen):
    assert api.get(URL).status_code == 200
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    response = client.post(f"/admin/api/apikey/{ApiKey.objects.get().pk}/delete/", {"post": "yes"})
    assert response.status_code == 302, response.content
    assert api.get(URL).status_code == 401


def test_a_remembered_key_limited_to_other_sites_still_gets_404(make_client, organization, site, chosen):
    second = published_site(organization=organization, key="acme-shop")
    limited = make_client(organization, sites=[second])
    for _ in range(2):  # the second time from memory
        assert limited.get(URL).status_code == 404
        assert limited.get("/api/v1/sites/acme-shop/subjects/nobody").status_code == 404  # the site is visible
