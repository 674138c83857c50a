"""What account settings tests share: a signing key, an empty cache, and ways to choose and identify."""

import hashlib
from collections.abc import Callable
from typing import Any

import pytest
from django.core.cache import cache

from consent.accounts.tokens import token_make
from consent.models import Site
from consent.services import consent_record


@pytest.fixture(autouse=True)
def _empty_cache():
    """Rate-limit windows and used sign-in links never carry over from another test."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def choose() -> Callable[..., Any]:
    """Return a function that records a choice the way the banner does: choose(site, subject, {slug: bool})."""

    def record(site: Site, external_id: str, choices: dict[str, bool], **options: Any) -> Any:
        options.setdefault("source", "banner")
        options.setdefault("method", "custom")
        options.setdefault("locale", "en")
        options.setdefault("banner_version", site.banner_versions.order_by("-number").first().content_hash)
        return consent_record(site=site, external_id=external_id, choices=choices, **options)

    return record


def identify_token(site: Site, user: str, *, use: str = "identify", lifetime: int = 600) -> str:
    """Return the token the customer's backend would hand its page for this user."""
    return token_make(secret=site.identity_secret, use=use, site_key=site.key, user_id=user, lifetime=lifetime)


def vid(name: str) -> str:
    """Return a visitor id in the banner's format (32 hex digits), named for the test's reading."""
    return hashlib.sha256(name.encode()).hexdigest()[:32]
