"""The signing key: where it comes from, how it is created in development, and what is published."""

import stat
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import ImproperlyConfigured

from ledger import selectors
from ledger.keys import signing_key
from ledger.notes import key_id, public_from_pem


def test_a_missing_key_file_is_created_readable_by_its_owner_only_in_development(settings: Any, tmp_path: Path) -> None:
    settings.LEDGER_SIGNING_KEY = ""
    settings.LEDGER_SIGNING_KEY_FILE = str(tmp_path / "keys" / "ledger.pem")
    settings.DEBUG = True
    key = signing_key()
    path = Path(settings.LEDGER_SIGNING_KEY_FILE)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert signing_key().public_key() == key.public_key()


def test_a_missing_key_file_is_an_error_in_production(settings: Any, tmp_path: Path) -> None:
    settings.LEDGER_SIGNING_KEY = ""
    settings.LEDGER_SIGNING_KEY_FILE = str(tmp_path / "absent.pem")
    settings.DEBUG = False
    with pytest.raises(ImproperlyConfigured, match=r"absent\.pem"):
        signing_key()


def test_the_published_key_matches_the_signing_key_and_its_id() -> None:
    [published] = selectors.public_keys()
    key = public_from_pem(published.pem)
    assert key == signing_key().public_key()
    assert published.key_id == key_id(key).hex()
    assert published.current
    assert published.as_dict()["key_name"] == "assent-ledger"


def test_a_receipt_names_the_key_that_signed_it_even_when_the_key_rotates_meanwhile(monkeypatch: Any) -> None:
    """The key is read once per receipt: a rotation between two reads would name the new key for an old signature."""
    import base64
    from datetime import UTC, datetime

    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from ledger import keys, receipts

    old, new = Ed25519PrivateKey.generate(), Ed25519PrivateKey.generate()
    reads = iter([old, new, new])
    # The key file changes after the first read, wherever the next read comes from.
    monkeypatch.setattr(receipts, "signing_key", lambda: next(reads))
    monkeypatch.setattr(keys, "signing_key", lambda: next(reads))
    receipt = receipts.receipt_sign(
        site="s",
        origin="example.test/s",
        receipt_id="r",
        recorded_at=datetime(2026, 1, 1, tzinfo=UTC),
        events=[("e", "analytics", b"\0" * 32)],
        state={"analytics": True},
        changed=["analytics"],
        replayed=False,
    )
    assert receipt.key_id == key_id(old.public_key()).hex()
    old.public_key().verify(base64.b64decode(receipt.signature), receipt.text().encode())
