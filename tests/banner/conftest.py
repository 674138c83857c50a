"""Each banner test starts with an empty cache: rate-limit windows and cached origins never carry over."""

import pytest
from django.core.cache import cache


@pytest.fixture(autouse=True)
def _empty_cache():
    cache.clear()
    yield
    cache.clear()
