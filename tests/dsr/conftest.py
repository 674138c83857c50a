"""Fixtures for data-subject requests: a clean rate limiter, files in a temporary var dir, link helpers."""

import re
from collections.abc import Callable
from typing import Any

import pytest
from django.core import mail
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile

from consent.dsr import services
from consent.dsr.models import DataSubjectRequest
from consent.models import Site
from tests.api.conftest import api, make_client, outsider_api  # noqa: F401 (the API tests' clients serve here too)

LINK = re.compile(r"https?://\S+/privacy/requests/[^/\s]+/verify/[^/\s]+/")
DOWNLOAD = re.compile(r"https?://\S+/privacy/requests/download/\S+")

PDF = b"%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


def agent_request(site: Site, **fields: Any) -> DataSubjectRequest:
    """File an agent's request with a PDF proof straight through the service (no form, no rate limit)."""
    data: dict[str, Any] = {
        "right": "access",
        "jurisdiction": "us",
        "email": "ann@example.net",
        "agent_name": "Bob Agent",
        "agent_email": "bob@agents.example",
        "proof": SimpleUploadedFile("poa.pdf", PDF),
        "verify_url": "https://assent.example/verify/{token}/",
    }
    return services.request_receive(site=site, **{**data, **fields})


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
