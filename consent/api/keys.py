"""The API key format: `ak_live_<32 base62 characters><6 base62 characters of CRC32>`.

The prefix lets secret scanners and people recognise a key; the checksum lets us refuse a mistyped
or truncated key without a database lookup.
"""

import hashlib
import secrets
import string
import zlib

KEY_PREFIX = "ak_live_"
_ALPHABET = string.digits + string.ascii_letters
_RANDOM_LENGTH = 32
_CHECKSUM_LENGTH = 6
KEY_LENGTH = len(KEY_PREFIX) + _RANDOM_LENGTH + _CHECKSUM_LENGTH
# How much of a key is kept in clear, to tell keys apart in lists.
DISPLAY_LENGTH = len(KEY_PREFIX) + 6


def _base62(number: int, width: int) -> str:
    """Encode a non-negative number in base62, left-padded to width."""
    digits = []
    while number:
        number, remainder = divmod(number, 62)
        digits.append(_ALPHABET[remainder])
    return "".join(reversed(digits)).rjust(width, "0")


def _checksum(body: str) -> str:
    return _base62(zlib.crc32(body.encode()), _CHECKSUM_LENGTH)


def key_generate() -> str:
    """Return a new random key with its prefix and checksum."""
    body = "".join(secrets.choice(_ALPHABET) for _ in range(_RANDOM_LENGTH))
    return f"{KEY_PREFIX}{body}{_checksum(body)}"


def key_is_well_formed(key: str) -> bool:
    """Tell whether key has the prefix, the length, the alphabet and a matching checksum."""
    if len(key) != KEY_LENGTH or not key.startswith(KEY_PREFIX):
        return False
    rest = key[len(KEY_PREFIX) :]
    if any(char not in _ALPHABET for char in rest):
        return False
    body, checksum = rest[:_RANDOM_LENGTH], rest[_RANDOM_LENGTH:]
    return secrets.compare_digest(_checksum(body), checksum)


def key_hash(key: str) -> str:
    """Return the hash a key is stored and looked up by."""
    return hashlib.sha256(key.encode()).hexdigest()
