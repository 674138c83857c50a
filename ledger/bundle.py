"""The portable receipt bundle: one choice's events, its signed receipt, their inclusion proofs, a checkpoint.

Everything a visitor (or a regulator they hand it to) needs to check one choice offline with
`python -m ledger.verify receipt.json --public-key key.pem`: the events' canonical bytes (their leaf
hashes are recomputed from them), the receipt signature over those leaf hashes, and RFC 9162
inclusion proofs of every leaf against one signed checkpoint. To stay small (a few KB for a choice
of several purposes in a log of millions), what the choice's events have in common is written once
(`event_shared`, each event then holding only its own fields; its canonical bytes are the canonical
JSON of the two merged), and proof hashes shared by its leaves, which sit side by side in the log,
are written once and referred to by position.
"""

import base64
import binascii
import json
import uuid
from typing import Any

from cryptography.exceptions import InvalidSignature

from ledger.canonical import timestamp
from ledger.errors import ProofUnavailable, ReceiptUnknown
from ledger.keys import key_id_hex, signing_key, verification_keys
from ledger.logs import log_find
from ledger.merkle import leaf_hash
from ledger.models import Checkpoint, Event, Leaf, Log
from ledger.notes import receipt_text
from ledger.projection import EVENT_COLUMNS, event_row_bytes
from ledger.tree import inclusion_proof

FORMAT = "assent-receipt-bundle/1"
# A choice's event ids are made right after its receipt id, in the same process and millisecond;
# this bound lets the lookup walk the primary key instead of scanning for the receipt id.
_ID_SPAN_MS = 60_000


def _events(log: Log, receipt_id: uuid.UUID) -> list[tuple[Any, ...]]:
    """Return the receipt's event rows (EVENT_COLUMNS) in id order, the order its receipt lists them."""
    upper = uuid.UUID(int=(((receipt_id.int >> 80) + _ID_SPAN_MS) << 80))
    rows = Event.objects.filter(log=log, id__gt=receipt_id, id__lt=upper, receipt_id=receipt_id).order_by("id")
    return list(rows.values_list(*EVENT_COLUMNS))


def _text(log: Log, rows: list[tuple[Any, ...]]) -> str:
    events = [(str(row[0]), leaf_hash(event_row_bytes(log.site, row)).hex()) for row in rows]
    return receipt_text(
        origin=log.origin, receipt_id=str(rows[0][13]), recorded_at=timestamp(rows[0][11]), events=events
    )


def _signed_by_us(text: str, signature: str) -> bool:
    """Return whether a base64 signature over receipt text verifies under the current or a retired key."""
    try:
        raw = base64.b64decode(signature, validate=True)
    except (binascii.Error, ValueError):
        return False
    for key in verification_keys():
        try:
            key.verify(raw, text.encode())
        except InvalidSignature:
            continue
        return True
    return False


def _receipt(site: str, receipt_id: str | uuid.UUID, signature: str | None) -> tuple[Log, list[tuple[Any, ...]], str]:
    """Return a receipt's log, event rows and signed text; raise ReceiptUnknown when absent or not vouched for."""
    log = log_find(site)
    try:
        wanted = receipt_id if isinstance(receipt_id, uuid.UUID) else uuid.UUID(str(receipt_id))
    except ValueError:
        raise ReceiptUnknown(f"receipt {receipt_id}") from None
    rows = _events(log, wanted) if log is not None else []
    if log is None or not rows:
        raise ReceiptUnknown(f"receipt {receipt_id}")
    text = _text(log, rows)
    if signature is not None and not _signed_by_us(text, signature):
        raise ReceiptUnknown(f"receipt {receipt_id}")
    return log, rows, text


def _proofs(log: Log, leaves: list[int], size: int) -> tuple[list[list[Any]], list[str]]:
    """Return each leaf's [index, [positions in hashes]] and the distinct proof hashes (base64)."""
    hashes: dict[bytes, int] = {}
    entries: list[list[Any]] = []
    for index in leaves:
        path = inclusion_proof(log.id, index, size)
        entries.append([index, [hashes.setdefault(item, len(hashes)) for item in path]])
    return entries, [base64.b64encode(item).decode() for item in hashes]


def _split(texts: list[str]) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Return the fields every event has the same value for, and each event's remaining fields."""
    documents = [json.loads(text) for text in texts]
    shared = {name: value for name, value in documents[0].items() if all(d.get(name) == value for d in documents)}
    return shared, [{name: value for name, value in d.items() if name not in shared} for d in documents]


def receipt_bundle(*, site: str, receipt_id: str | uuid.UUID, signature: str | None = None) -> dict[str, Any]:
    """Return the receipt bundle of one choice.

    With `signature`, only for a caller who holds the receipt's signature (a visitor's own receipt).
    Raise ReceiptUnknown when there is no such receipt (or the signature is wrong), and
    ProofUnavailable while its events are not yet all covered by a signed checkpoint.
    """
    log, rows, text = _receipt(site, receipt_id, signature)
    ids = [row[0] for row in rows]
    placed = dict(Leaf.objects.filter(log=log, event_id__in=ids).values_list("event_id", "index"))
    if len(placed) < len(ids):
        raise ProofUnavailable(f"receipt {receipt_id} is not in the log yet")
    leaves = [placed[event_id] for event_id in ids]
    checkpoint = Checkpoint.objects.filter(log=log, size__gt=max(leaves)).order_by("-size").first()
    if checkpoint is None:
        raise ProofUnavailable(f"receipt {receipt_id} is not covered by a signed checkpoint yet")
    entries, hashes = _proofs(log, leaves, checkpoint.size)
    shared, own = _split([event_row_bytes(log.site, row).decode() for row in rows])
    key = signing_key()  # read once: the key id names the key that made the signature
    return {
        "format": FORMAT,
        "site": log.site,
        "origin": log.origin,
        "receipt": str(rows[0][13]),
        "recorded_at": timestamp(rows[0][11]),
        "signature": base64.b64encode(key.sign(text.encode())).decode(),
        "key_id": key_id_hex(key),
        "event_shared": shared,
        "events": own,
        "leaves": entries,
        "hashes": hashes,
        "checkpoint": checkpoint.note,
    }
