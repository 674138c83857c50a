"""The Ed25519 key that signs checkpoints and receipts, and the public keys that verify them.

The private key lives outside the database: PEM text in LEDGER_SIGNING_KEY, or the file named by
LEDGER_SIGNING_KEY_FILE (generated with mode 0600 on first use when DEBUG is on). Rotating the key
means moving the old public key into LEDGER_RETIRED_PUBLIC_KEYS so old checkpoints still verify.
"""

import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from ledger.notes import KEY_NAME, key_id, public_keys_from_pem_bundle, public_pem


@dataclass(frozen=True)
class PublicKey:
    """A published verification key: its C2SP key id (hex), name and PEM text."""

    key_id: str
    key_name: str
    pem: str
    current: bool

    def as_dict(self) -> dict[str, object]:
        """Return the key as JSON-ready data."""
        return {"key_id": self.key_id, "key_name": self.key_name, "pem": self.pem, "current": self.current}


@lru_cache(maxsize=8)
def _private_from_pem(pem: bytes) -> Ed25519PrivateKey:
    key = serialization.load_pem_private_key(pem, password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise ImproperlyConfigured("the ledger signing key must be an Ed25519 private key")
    return key


@lru_cache(maxsize=8)
def _private_from_file(path: str, modified_ns: int) -> Ed25519PrivateKey:
    """Load the key file once per version of it (the modification time is part of the cache key)."""
    return _private_from_pem(Path(path).read_bytes())


def key_file_create(path: Path) -> None:
    """Write a new private key to path, readable by its owner only; lose gracefully to a concurrent writer."""
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


def signing_key() -> Ed25519PrivateKey:
    """Return the current signing key from the setting, or from its file."""
    if settings.LEDGER_SIGNING_KEY:
        return _private_from_pem(settings.LEDGER_SIGNING_KEY.encode())
    path = os.fspath(settings.LEDGER_SIGNING_KEY_FILE)  # a string: no Path built for every receipt
    # One stat a call (every receipt is signed): its time of change keys the loaded copy.
    try:
        modified_ns = os.stat(path).st_mtime_ns
    except FileNotFoundError:
        if not settings.DEBUG:
            raise ImproperlyConfigured(f"the ledger signing key file {path} does not exist") from None
        key_file_create(Path(path))
        modified_ns = os.stat(path).st_mtime_ns
    return _private_from_file(path, modified_ns)


@lru_cache(maxsize=8)
def key_id_hex(key: Ed25519PrivateKey) -> str:
    """Return a private key's hex key id (of its public key), computed once per key."""
    return key_id(key.public_key()).hex()


def retired_keys() -> list[Ed25519PublicKey]:
    """Return the public keys of retired signing keys."""
    return public_keys_from_pem_bundle(settings.LEDGER_RETIRED_PUBLIC_KEYS or "")


def verification_keys() -> list[Ed25519PublicKey]:
    """Return every key a stored checkpoint may be signed with: the current one first."""
    return [signing_key().public_key(), *retired_keys()]


def public_keys() -> list[PublicKey]:
    """Return the published keys (current first), each with its key id, so anyone can verify checkpoints."""
    keys = verification_keys()
    return [
        PublicKey(key_id=key_id(key).hex(), key_name=KEY_NAME, pem=public_pem(key), current=position == 0)
        for position, key in enumerate(keys)
    ]
