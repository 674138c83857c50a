"""Fixtures for the marketer API: keys for the owner's organization and for the outsider's."""

from collections.abc import Callable
from typing import Any

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from consent.api.services import api_key_create
from consent.models import Organization, Site
from consent.services import consent_record


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    """Hash the test users' passwords cheaply: PBKDF2's cost protects nothing here and costs seconds."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    """Each test starts with empty per-key counters (the cache outlives the test database)."""
    cache.clear()


@pytest.fixture
def make_client() -> Callable[..., APIClient]:
    """Return a function that makes an API client holding a new key for an organization."""

    def make(organization: Organization, **options: Any) -> APIClient:
        _, key = api_key_create(organization=organization, name=options.pop("name", "tests"), **options)
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
        client.key = key  # type: ignore[attr-defined]
        return client

    return make


@pytest.fixture
def api(make_client, site: Site) -> APIClient:
    """A client with an all-scopes key of the site's organization."""
    return make_client(site.organization)


@pytest.fixture
def outsider_api(make_client, outsider_site: Site) -> APIClient:
    """A client with an all-scopes key of the outsider's organization."""
    return make_client(outsider_site.organization)


@pytest.fixture
def record(site: Site) -> Callable[..., Any]:
    """Return a function that records a choice on the site the way the banner does."""

    def choose(external_id: str, choices: dict[str, bool], **options: Any) -> Any:
        options.setdefault("source", "banner")
        options.setdefault("method", "custom")
        options.setdefault("locale", "en")
        return consent_record(site=options.pop("on", site), external_id=external_id, choices=choices, **options)

    return choose
