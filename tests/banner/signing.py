"""A ledger signing key for test runs: tests run with DEBUG off, when the ledger creates none itself."""

import os
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.conf import settings


def signing_key_ensure() -> None:
    """Write a fresh Ed25519 key to LEDGER_SIGNING_KEY_FILE unless a key is configured already."""
    path = Path(settings.LEDGER_SIGNING_KEY_FILE)
    if settings.LEDGER_SIGNING_KEY or path.exists():
        return
    pem = Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return
    with os.fdopen(fd, "wb") as file:
        file.write(pem)
