"""C2SP signed notes and checkpoints with Ed25519 (standard library and `cryptography` only).

A checkpoint body is three lines: origin, tree size, base64 root hash. The signed note appends a blank
line and one line per signature: an em dash, the key name, and base64(key id || signature), where
the key id is the first four bytes of SHA-256(key name || "\\n" || 0x01 || public key).
"""

import base64
import binascii
from dataclasses import dataclass
from hashlib import sha256

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

KEY_NAME = "assent-ledger"
SIGNATURE_DASH = "\u2014"
_ED25519_TYPE = b"\x01"
# Receipts are signed with the checkpoint key; this first line keeps the two kinds of signed text apart.
RECEIPT_HEADER = "assent-receipt/v1"


class NoteError(ValueError):
    """A signed note or checkpoint is malformed or carries no valid signature."""


@dataclass(frozen=True)
class Checkpoint:
    """The three facts a checkpoint commits to."""

    origin: str
    size: int
    root: bytes

    def body(self) -> str:
        """Return the checkpoint text that is signed."""
        return f"{self.origin}\n{self.size}\n{base64.b64encode(self.root).decode()}\n"


def public_raw(key: Ed25519PublicKey) -> bytes:
    """Return the 32 raw bytes of a public key."""
    return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def public_pem(key: Ed25519PublicKey) -> str:
    """Return a public key as PEM text."""
    return key.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()


def public_from_pem(pem: str | bytes) -> Ed25519PublicKey:
    """Load an Ed25519 public key from PEM text."""
    key = serialization.load_pem_public_key(pem.encode() if isinstance(pem, str) else pem)
    if not isinstance(key, Ed25519PublicKey):
        raise NoteError("the public key is not an Ed25519 key")
    return key


def public_keys_from_pem_bundle(text: str) -> list[Ed25519PublicKey]:
    """Load every public key from PEM blocks written one after another."""
    marker = "-----END PUBLIC KEY-----"
    blocks = [block.strip() + "\n" + marker for block in text.split(marker) if block.strip()]
    return [public_from_pem(block) for block in blocks]


def key_id(key: Ed25519PublicKey, name: str = KEY_NAME) -> bytes:
    """Return the four-byte C2SP key id of a named Ed25519 key."""
    return sha256(name.encode() + b"\n" + _ED25519_TYPE + public_raw(key)).digest()[:4]


def note_sign(body: str, key: Ed25519PrivateKey, name: str = KEY_NAME) -> str:
    """Return the signed note of body (which must end with a newline)."""
    if not body.endswith("\n"):
        raise NoteError("a note body ends with a newline")
    signature = key.sign(body.encode())
    stamp = base64.b64encode(key_id(key.public_key(), name) + signature).decode()
    return f"{body}\n{SIGNATURE_DASH} {name} {stamp}\n"


def note_open(note: str, keys: list[Ed25519PublicKey], name: str = KEY_NAME) -> tuple[str, bytes]:
    """Return the body of a signed note and the id of the known key that signed it; raise NoteError if none did."""
    body, separator, signatures = note.partition("\n\n")
    if not separator:
        raise NoteError("the note has no signature block")
    body += "\n"
    by_id = {key_id(key, name): key for key in keys}
    for line in signatures.splitlines():
        dash, _, rest = line.partition(" ")
        line_name, _, stamp = rest.partition(" ")
        if dash != SIGNATURE_DASH or line_name != name:
            continue
        try:
            raw = base64.b64decode(stamp, validate=True)
        except binascii.Error:
            continue
        key = by_id.get(raw[:4])
        if key is None:
            continue
        try:
            key.verify(raw[4:], body.encode())
        except InvalidSignature:
            raise NoteError(f"the signature by key {raw[:4].hex()} does not match the note") from None
        return body, raw[:4]
    raise NoteError("the note is not signed by any known key")


def checkpoint_parse(body: str) -> Checkpoint:
    """Return the checkpoint a signed body states."""
    lines = body.split("\n")
    if len(lines) < 4 or lines[-1] != "":
        raise NoteError("a checkpoint body has an origin, a size and a root hash line")
    origin, size_text, root_text = lines[0], lines[1], lines[2]
    if not size_text.isdigit() or (size_text != "0" and size_text.startswith("0")):
        raise NoteError(f"the checkpoint size {size_text!r} is not a decimal number")
    try:
        root = base64.b64decode(root_text, validate=True)
    except binascii.Error:
        raise NoteError("the checkpoint root hash is not base64") from None
    if len(root) != 32:
        raise NoteError("the checkpoint root hash is not 32 bytes")
    return Checkpoint(origin=origin, size=int(size_text), root=root)


def receipt_text(*, origin: str, receipt_id: str, recorded_at: str, events: list[tuple[str, str]]) -> str:
    """Return the text a receipt signature covers: header, origin, receipt id, time, one line per event."""
    lines = [RECEIPT_HEADER, origin, receipt_id, recorded_at]
    lines += [f"{event_id} {leaf_hex}" for event_id, leaf_hex in events]
    return "\n".join(lines) + "\n"


def receipt_check(text: str, signature_b64: str, key: Ed25519PublicKey) -> bool:
    """Return whether a base64 signature over receipt text verifies under key."""
    try:
        key.verify(base64.b64decode(signature_b64, validate=True), text.encode())
    except (InvalidSignature, binascii.Error):
        return False
    return text.startswith(RECEIPT_HEADER + "\n")
