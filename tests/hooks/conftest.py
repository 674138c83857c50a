"""Fixtures for webhooks: a ledger signing key and private destinations allowed in-process."""

import pytest

from tests.banner.signing import signing_key_ensure


@pytest.fixture(autouse=True, scope="session")
def _ledger_signing_key():
    """Tests run with DEBUG off, when the ledger creates no signing key of its own."""
    signing_key_ensure()


@pytest.fixture
def private_allowed(settings):
    """Let destinations point at 127.0.0.1 over plain http, as the local receivers do."""
    settings.ASSENT_ALLOW_PRIVATE_DESTINATIONS = True
