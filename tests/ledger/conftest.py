"""Fixtures of the ledger suite: a fixed signing key, an append helper, and cleanup after committed rows."""

from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from ledger import services
from ledger.receipts import Receipt
from tests.ledger.cleanup import ledger_rows_delete

PURPOSES = ("necessary", "analytics", "marketing", "personalisation")
SITE = "acme"

_KEY = Ed25519PrivateKey.generate()
SIGNING_PEM = _KEY.private_bytes(
    serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
).decode()


@pytest.fixture(autouse=True)
def signing_key(settings: Any) -> str:
    """Sign with one known key in every test, whatever is in the var directory."""
    settings.LEDGER_SIGNING_KEY = SIGNING_PEM
    settings.LEDGER_RETIRED_PUBLIC_KEYS = ""
    return SIGNING_PEM


Append = Callable[..., Receipt]


def append_choice(**overrides: Any) -> Receipt:
    """Append a banner choice with sensible defaults; any argument can be overridden."""
    arguments: dict[str, Any] = {
        "site": SITE,
        "subject": "visitor-1",
        "decisions": {"necessary": True, "analytics": True},
        "source": "banner",
        "banner_version": "b" * 64,
        "method": "custom",
        "locale": "en",
        "known_purposes": PURPOSES,
        "lifetime": timedelta(days=180),
    }
    arguments.update(overrides)
    return services.event_append(**arguments)


@pytest.fixture
def append(db: None) -> Append:
    """Return the append helper inside a test database."""
    return append_choice


@pytest.fixture
def committed(transactional_db: None) -> Iterator[Append]:
    """Return the append helper for tests whose rows really commit, and empty the ledger afterwards."""
    yield append_choice
    ledger_rows_delete()
