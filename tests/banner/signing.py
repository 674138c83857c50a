"""A ledger signing key for test runs: tests run with DEBUG off, when the ledger creates none itself."""

from pathlib import Path

from django.conf import settings

from ledger.keys import key_file_create


def signing_key_ensure() -> None:
    """Write a fresh Ed25519 key to LEDGER_SIGNING_KEY_FILE unless a key is configured already."""
    if not settings.LEDGER_SIGNING_KEY:
        key_file_create(Path(settings.LEDGER_SIGNING_KEY_FILE))
