"""What the edge's tests share: an empty cache, and a consent body the demo-like site accepts."""

import json
from typing import Any

import pytest
from django.core.cache import cache

from consent.models import Site
from tests.factories import visitor_id

CONSENTS = "/api/v1/public/sites/acme/consents"


@pytest.fixture(autouse=True)
def _empty_cache():
    """Rate-limit windows and cached origins never carry over from another test."""
    cache.clear()
    yield
    cache.clear()


def consent_body(site: Site, **changes: Any) -> str:
    """Return a valid consent POST body for the site, with some fields changed or (None) removed."""
    body = {
        "subject": "visitor-0001",
        "choices": {"analytics": True, "marketing": False},
        "banner_version": site.banner_versions.order_by("-number").first().content_hash,
        "method": "custom",
        "locale": "en",
    }
    body.update(changes)
    if isinstance(body.get("subject"), str):
        body["subject"] = visitor_id(body["subject"])
    return json.dumps({name: value for name, value in body.items() if value is not None})
