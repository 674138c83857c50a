"""Fixtures every part of the suite shares: the three users, an organization, the demo site."""

import os
import time

import pytest
from django.db import connection

from consent.demo import demo_seed
from consent.edge.sites import forget_all as sites_forget_all
from consent.models import Membership, Organization, Site
from ledger.logs import log_cache_clear
from tests import factories
from tests.banner.signing import signing_key_ensure


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Deselect PostgreSQL-only tests on SQLite; CI's second pass runs them on PostgreSQL."""
    if connection.vendor == "postgresql":
        return
    kept, dropped = [], []
    for item in items:
        (dropped if item.get_closest_marker("postgres") else kept).append(item)
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = kept


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "postgres: needs PostgreSQL (deselected on SQLite)")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]):  # type: ignore[no-untyped-def]
    """On CI a skipped test is a failed one: a missing service must never pass unnoticed."""
    outcome = yield
    report = outcome.get_result()
    if os.environ.get("CI") and report.skipped and not hasattr(report, "wasxfail"):
        report.outcome = "failed"
        report.longrepr = f"skipped on CI, which counts as a failure: {report.longrepr}"


@pytest.fixture(autouse=True, scope="session")
def _ledger_signing_key():
    """Tests run with DEBUG off, when the ledger creates no signing key of its own."""
    signing_key_ensure()


@pytest.fixture(autouse=True)
def _rate_window_ahead(request):
    """Start each test at least six seconds before the rate limiter's minute turns.

    The limits count in fixed one-minute windows (consent/edge/ratelimit.py): a test that sends N + 1
    requests across the turn of a minute would see every count start again and no 429.
    """
    if request.node.get_closest_marker("browser"):
        return  # the live server's own requests; no browser test counts up to a limit
    left = 60 - time.time() % 60
    if left < 6:
        time.sleep(left + 0.05)


@pytest.fixture(autouse=True)
def _fast_password_hasher(request, settings):
    """Hash test passwords cheaply: the real hasher is slow by design and tests make many users."""
    if request.node.get_closest_marker("browser"):
        return  # a live server in another process checks passwords with the default hashers
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _logs_forgotten():
    """Each test's logs roll back with it: a log a test saw committed must not outlive the test."""
    yield
    log_cache_clear()
    # Likewise the sites a process remembers: a test's site rolls back without a commit to bump it.
    sites_forget_all()


@pytest.fixture
def owner(db):
    return factories.UserFactory(username="owner@example.com")


@pytest.fixture
def member(db):
    return factories.UserFactory(username="member@example.com")


@pytest.fixture
def outsider(db):
    return factories.UserFactory(username="outsider@example.com")


@pytest.fixture
def organization(owner, member) -> Organization:
    org = factories.OrganizationFactory(name="Acme")
    Membership.objects.create(organization=org, user=owner, role=Membership.Role.OWNER)
    Membership.objects.create(organization=org, user=member, role=Membership.Role.ANALYST)
    return org


@pytest.fixture
def site(organization) -> Site:
    """A published site with four purposes: one required, one legitimate interest, two by consent."""
    return factories.published_site(organization=organization, key="acme")


@pytest.fixture
def outsider_site(outsider) -> Site:
    """A site of another organization, which only the outsider belongs to."""
    org = factories.OrganizationFactory(name="Other Corp")
    Membership.objects.create(organization=org, user=outsider, role=Membership.Role.OWNER)
    return factories.published_site(organization=org, key="other")


@pytest.fixture
def demo_site(db) -> Site:
    return demo_seed().site
