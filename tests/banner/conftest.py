"""Each banner test starts with an empty cache: rate-limit windows and cached origins never carry over."""

import pytest
from django.core.cache import cache

from tests.banner.signing import signing_key_ensure


@pytest.fixture(scope="session", autouse=True)
def _ledger_signing_key():
    signing_key_ensure()


@pytest.fixture(autouse=True)
def _empty_cache():
    cache.clear()
    yield
    cache.clear()
