"""Outages: the database is the record, so a cache outage never stops a consent write; a database outage is a 503."""

import json
import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import redis
from django.test import Client, override_settings

from consent.banner.selectors import allowed_origins
from consent.edge.ratelimit import rate_limit_hit
from consent.models import Subject
from tests.banner.ledger_reads import event_count
from tests.edge.conftest import CONSENTS, consent_body

ROOT = Path(__file__).resolve().parents[2]
REDIS_SERVER = shutil.which("redis-server") or "/usr/bin/redis-server"


def _spare_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class OwnRedis:
    """A Redis server of the test's own, which the test may stop at any moment."""

    def __init__(self) -> None:
        self.port = _spare_port()
        self.process = subprocess.Popen(
            [REDIS_SERVER, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        client = redis.Redis(port=self.port, socket_connect_timeout=0.2)
        deadline = time.monotonic() + 10
        while True:
            try:
                client.ping()
                break
            except redis.ConnectionError:
                if time.monotonic() > deadline:
                    self.stop()
                    raise
                time.sleep(0.05)

    def commands(self, action: Callable[[], Any]) -> tuple[Any, dict[str, int]]:
        """Run `action`; return what it returned and how often it made this server run each command.

        A script's own calls count too.
        """
        server = redis.Redis(port=self.port)
        server.config_resetstat()
        result = action()
        stats = server.info("commandstats")
        return result, {name: value["calls"] for name, value in stats.items() if "config" not in name}

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)


@pytest.fixture
def own_redis() -> Iterator[OwnRedis]:
    """Point the cache at a fresh Redis (short timeouts, so an outage costs milliseconds)."""
    server = OwnRedis()
    cache = {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": f"redis://127.0.0.1:{server.port}/0",
        "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
    }
    # Restored here, before other fixtures clear "the" cache on the way out.
    try:
        with override_settings(CACHES={"default": cache}):
            yield server
    finally:
        server.stop()


@pytest.mark.django_db
def test_every_consent_write_is_recorded_while_the_cache_goes_down(own_redis, site):
    site.allowed_origins = ["https://acme.example"]
    site.save(update_fields=["allowed_origins"])
    client = Client()
    events = event_count()
    statuses = []
    for n in range(12):
        if n == 4:
            own_redis.stop()
        response = client.post(
            CONSENTS,
            consent_body(site, subject=f"visitor-{n}"),
            content_type="application/json",
            HTTP_ORIGIN="https://acme.example",
            REMOTE_ADDR=f"198.51.100.{n}",
        )
        statuses.append(response.status_code)
        assert response["Access-Control-Allow-Origin"] == "https://acme.example"
    assert statuses == [201] * 12
    assert Subject.objects.filter(site=site).count() == 12
    assert event_count() > events


@pytest.mark.django_db
def test_a_down_cache_falls_back_to_the_database_for_origins(own_redis, site):
    site.allowed_origins = ["https://acme.example"]
    site.save(update_fields=["allowed_origins"])
    own_redis.stop()
    assert allowed_origins(key="acme") == frozenset({"https://acme.example"})


def test_rate_limits_still_hold_in_each_process_while_the_cache_is_down(own_redis):
    own_redis.stop()
    answers = [rate_limit_hit(key="outage:client", limit=2) for _ in range(3)]
    assert answers[:2] == [None, None]
    assert answers[2] is not None


@pytest.mark.django_db
@override_settings(ASSENT_PUBLIC_RATE_PER_CLIENT=2)
def test_a_client_is_still_limited_during_a_cache_outage(own_redis, site):
    own_redis.stop()
    client = Client()
    statuses = [
        client.post(CONSENTS, consent_body(site, subject=f"v-{n}"), content_type="application/json").status_code
        for n in range(3)
    ]
    assert statuses == [201, 201, 429]


@pytest.mark.urls("tests.edge.urls")
def test_a_database_error_in_a_view_is_a_503_with_retry_after():
    client = Client(raise_request_exception=False)
    api = client.get("/api/v1/database-gone")
    assert api.status_code == 503
    assert int(api["Retry-After"]) > 0
    assert api.json()["error"]["code"] == "unavailable"
    page = client.get("/database-gone")
    assert page.status_code == 503
    assert int(page["Retry-After"]) > 0


REQUEST_IN_A_FRESH_PROCESS = """
import json, django
django.setup()
from django.test import Client
from django.test.utils import setup_test_environment
setup_test_environment()
body = json.dumps({"subject": "0" * 32, "choices": {"analytics": True}, "banner_version": "0" * 64,
                   "method": "custom", "locale": "en"})
answers = {}
client = Client(raise_request_exception=False)
for name, response in [
    ("consents", client.post("/api/v1/public/sites/acme/consents", body, content_type="application/json")),
    ("script", client.get("/c/acme.js")),
]:
    answers[name] = {"status": response.status_code, "retry_after": response.get("Retry-After"),
                     "type": response["Content-Type"], "body": response.content.decode()}
print(json.dumps(answers))
"""


def _closed_port() -> int:
    return _spare_port()  # bound then released: nothing listens there


@pytest.mark.parametrize(
    "database_url",
    [
        pytest.param(lambda tmp: f"postgres://root@127.0.0.1:{_closed_port()}/assent", id="postgresql"),
        pytest.param(lambda tmp: f"sqlite:///{tmp}/missing-directory/assent.sqlite3", id="sqlite"),
    ],
)
def test_an_unreachable_database_is_a_json_503_with_retry_after(tmp_path, database_url):
    key_file = tmp_path / "ledger-ed25519.pem"
    key_file.write_text("unused: the request fails before anything is signed\n")
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "DJANGO_SETTINGS_MODULE": "consent.settings",
        "DEBUG": "0",
        "SECRET_KEY": "x" * 50,
        "LEDGER_SIGNING_KEY_FILE": str(key_file),
        "ASSENT_VAR_DIR": str(tmp_path / "var"),
        "DATABASE_URL": database_url(tmp_path),
        "CACHE_URL": "locmem://",
    }
    result = subprocess.run(
        [sys.executable, "-c", REQUEST_IN_A_FRESH_PROCESS],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=ROOT,
        env=env,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    answers = json.loads(result.stdout.strip().splitlines()[-1])
    consents = answers["consents"]
    assert consents["status"] == 503, consents
    assert consents["type"].startswith("application/json")
    assert int(consents["retry_after"]) > 0
    assert set(json.loads(consents["body"])["error"]) == {"code", "message", "fields"}
    # Outside /api/ (the banner script here) the same outage is a 503 as well, not a crash page.
    assert answers["script"]["status"] == 503
    assert int(answers["script"]["retry_after"]) > 0


WRITE_WITH_THE_BROKER_DOWN = """
import json, django
django.setup()
from django.core.management import call_command
call_command("migrate", verbosity=0)
from django.test import Client
from django.test.utils import setup_test_environment
from consent.demo import demo_seed
from consent.hooks.models import Delivery
from consent.hooks.services import destination_create
setup_test_environment()
site = demo_seed().site
destination_create(site=site, url="http://127.0.0.1:9/hook", purposes=[])
version = site.banner_versions.order_by("-number").first()
choices = {purpose["slug"]: True for purpose in version.content["purposes"]}
body = json.dumps({"subject": "1" * 32, "choices": choices, "banner_version": version.content_hash,
                   "method": "accept_all", "locale": "en"})
response = Client(raise_request_exception=False).post(
    "/api/v1/public/sites/demo/consents", body, content_type="application/json")
print(json.dumps({"status": response.status_code,
                  "pending": Delivery.objects.filter(status=Delivery.Status.PENDING).count()}))
"""


def test_a_consent_write_succeeds_while_the_broker_is_down_and_leaves_its_delivery_to_the_sweep(tmp_path):
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "DJANGO_SETTINGS_MODULE": "consent.settings",
        "DEBUG": "1",  # generates the keys a write signs with
        "ASSENT_VAR_DIR": str(tmp_path / "var"),
        "DATABASE_URL": f"sqlite:///{tmp_path}/assent.sqlite3",
        "CACHE_URL": "locmem://",
        "CELERY_BROKER_URL": f"redis://127.0.0.1:{_closed_port()}/0",
        "ASSENT_ALLOW_PRIVATE_DESTINATIONS": "1",
    }
    argv = [sys.executable, "-c", WRITE_WITH_THE_BROKER_DOWN]
    result = subprocess.run(argv, capture_output=True, text=True, timeout=120, cwd=ROOT, env=env)
    assert result.returncode == 0, result.stderr[-3000:]
    answer = json.loads(result.stdout.strip().splitlines()[-1])
    assert answer == {"status": 201, "pending": 1}
    assert "could not enqueue deliveries" in result.stderr
