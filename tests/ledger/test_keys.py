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
