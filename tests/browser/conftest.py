"""A real Chromium (Debian's, one per session, a fresh context per test) and a live server process.

The live server is gunicorn in its own process over the test database, not a thread inside a test
transaction: the ledger refuses DELETE and TRUNCATE, so a database flushed between tests (as
pytest-django's live_server does) is not an option. What a browser test writes, it writes for the
whole session: use fresh ids (a new browser context is a new visitor) and get-or-create what you share.
Tests that need the database use `live` (or `committed_db`): reads and writes are committed at once,
so the server sees them and the test sees what the server wrote.
"""

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from django.conf import settings
from django.db import connection, connections

from consent.demo import demo_seed
from consent.models import Site
from tests.banner.signing import signing_key_ensure
from tests.browser.helpers import Trackers

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
]
# Playwright's sync API runs an event loop in this thread; the loop never runs Django code.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Run browser tests last: the data they commit stays for the rest of the session."""
    items.sort(key=lambda item: "/tests/browser/" in f"/{item.nodeid}")


def _database_url() -> str:
    """Return a DATABASE_URL naming the test database this session created."""
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    auth = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _session_has_database(items: list[pytest.Item]) -> bool:
    """Tell whether pytest-django set up the test database, which it does only for tests that ask for it."""
    uses = {"db", "transactional_db", "live_server"}
    return any(item.get_closest_marker("django_db") or uses & set(getattr(item, "fixturenames", ())) for item in items)


@pytest.fixture(scope="session")
def test_database(request, django_db_setup, django_db_blocker) -> Iterator[None]:
    """Make sure the test database exists, even when only browser tests (which use none of pytest-django's
    database fixtures) were selected."""
    if _session_has_database(request.session.items):
        yield
        return
    from django.test.utils import setup_databases, teardown_databases

    with django_db_blocker.unblock():
        created = setup_databases(verbosity=0, interactive=False, aliases={"default"})
    yield
    with django_db_blocker.unblock():
        teardown_databases(created, verbosity=0)


@pytest.fixture(scope="session")
def live_server_url(test_database, django_db_blocker) -> Iterator[str]:
    """Serve the project with gunicorn (two sync workers, as in production) over the test database."""
    with django_db_blocker.unblock():
        signing_key_ensure()
        url = _database_url()
    port = _free_port()
    env = {
        **os.environ,
        "DEBUG": "1",
        "DATABASE_URL": url,
        "ASSENT_VAR_DIR": str(settings.VAR_DIR),
        # The browser tests come from one address, many times a minute; the limits have their own tests.
        "ASSENT_PUBLIC_RATE_PER_CLIENT": "1000000",
        "ASSENT_PUBLIC_RATE_PER_SITE": "1000000",
    }
    log = Path(settings.VAR_DIR) / "browser-live-server.log"
    with log.open("ab") as out:
        server = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "consent.wsgi", "-w", "2", "-b", f"127.0.0.1:{port}", "--timeout", "60"],
            cwd=settings.BASE_DIR,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if server.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the live server did not start; see {log}")
            time.sleep(0.1)
        yield base
    finally:
        server.terminate()
        server.wait(timeout=30)


@pytest.fixture
def committed_db(django_db_blocker) -> Iterator[None]:
    """Database access without a test transaction: every write is committed, every read sees commits."""
    with django_db_blocker.unblock():
        yield
        # Leave no session open on the test database: it is dropped at the end of the run.
        connections.close_all()


@pytest.fixture
def live(live_server_url, committed_db) -> str:
    """The base URL of the live server; the test may use the database alongside it."""
    return live_server_url


@pytest.fixture(scope="session")
def playwright_instance() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        yield playwright


@pytest.fixture(scope="session")
def browser(playwright_instance):  # type: ignore[no-untyped-def]
    """One Chromium for the whole session; tests open their own contexts and pages."""
    chromium = playwright_instance.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    yield chromium
    chromium.close()


@pytest.fixture
def context(browser):  # type: ignore[no-untyped-def]
    """A fresh browser profile (no cookies, no storage) per test: a new visitor."""
    ctx = browser.new_context(locale="en-US")
    yield ctx
    ctx.close()


@pytest.fixture
def page(context):  # type: ignore[no-untyped-def]
    return context.new_page()


@pytest.fixture
def demo_site(live) -> Site:
    """The demo customer with its regulations, seeded once and committed (the live server must see it)."""
    return demo_seed().site


@pytest.fixture
def demo(live, demo_site) -> str:
    return f"{live}/demo/"


@pytest.fixture
def trackers(page, live) -> Trackers:
    return Trackers(page, live)
