"""Fixtures for data-subject requests: a clean rate limiter, files in a temporary var dir, link helpers."""

import re
from collections.abc import Callable
from typing import Any

import pytest
from django.core import mail
from django.core.cache import cache
from rest_framework.test import APIClient

from consent.api.services import api_key_create
from consent.dsr.models import DataSubjectRequest
from consent.models import Organization, Site

LINK = re.compile(r"https?://\S+/privacy/requests/[^/\s]+/verify/[^/\s]+/")
DOWNLOAD = re.compile(r"https?://\S+/privacy/requests/download/\S+")

PDF = b"%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    """Each test starts with empty counters (the cache outlives the test database)."""
    cache.clear()


@pytest.fixture(autouse=True)
def _on_commit_at_once(monkeypatch):
    """on_commit never fires inside the test's transaction: run the e-mails at once, as the commit would."""
    monkeypatch.setattr("django.db.transaction.on_commit", lambda callback, using=None, robust=False: callback())


@pytest.fixture(autouse=True)
def var_dir(settings, tmp_path):
    """Keep proofs and exports of each test in its own directory."""
    settings.VAR_DIR = tmp_path
    return tmp_path


def verify_link(to: str | None = None) -> str:
    """Return the identity link of the newest e-mail (to `to`, when given) in Django's test outbox."""
    for message in reversed(mail.outbox):
        if to is None or to in message.to:
            found = LINK.search(message.body)
            if found:
                return found.group(0)
    raise AssertionError("no identity link was e-mailed")


def path_of(url: str) -> str:
    return "/" + url.split("/", 3)[3]


@pytest.fixture
def file_request(client, site: Site) -> Callable[..., DataSubjectRequest]:
    """Return a function that files a request through the hosted form, as a visitor would."""

    def file(**fields: Any) -> DataSubjectRequest:
        data = {"right": "access", "jurisdiction": "eu", "email": "ann@example.net", "customer_id": "user-1"}
        data.update(fields)
        response = client.post(f"/privacy/requests/{site.key}/", data)
        assert response.status_code == 200, response.content.decode()[:2000]
        return DataSubjectRequest.objects.order_by("-received_at").first()  # type: ignore[return-value]

    return file


@pytest.fixture
def make_client() -> Callable[..., APIClient]:
    def make(organization: Organization, **options: Any) -> APIClient:
        _, key = api_key_create(organization=organization, name="tests", **options)
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
        return client

    return make


@pytest.fixture
def api(make_client, site: Site) -> APIClient:
    return make_client(site.organization)


@pytest.fixture
def outsider_api(make_client, outsider_site: Site) -> APIClient:
    return make_client(outsider_site.organization)
