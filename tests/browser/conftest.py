"""A real Chromium (Debian's, one per session, a fresh context per test) and a live Django server.

Playwright's sync API runs an event loop in this thread; Django's ORM in the same thread is safe
here because the loop never runs Django code, hence DJANGO_ALLOW_ASYNC_UNSAFE.
"""

import os
from collections.abc import Iterator

import pytest

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
]


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
    """A fresh browser profile (no cookies, no storage) per test."""
    ctx = browser.new_context(locale="en-US")
    yield ctx
    ctx.close()


@pytest.fixture
def page(context):  # type: ignore[no-untyped-def]
    return context.new_page()


@pytest.fixture
def live(live_server, transactional_db) -> str:  # type: ignore[no-untyped-def]
    """The base URL of a live server over the test database (committed data, visible to the server)."""
    return str(live_server.url)
