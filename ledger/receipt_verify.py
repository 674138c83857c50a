"""Verify a receipt bundle offline (standard library and `cryptography` only, no Django).

A bundle holds for one choice its events (the fields they share once, then each event's own; an
event's canonical bytes are the canonical JSON of the two merged), the receipt signature over their
leaf hashes, inclusion proofs of those leaves and the signed checkpoint they lead to (see
ledger.bundle). Nothing in it is taken on trust: every leaf hash is recomputed from the event bytes.
"""

import base64
import binascii
import json
from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from ledger import merkle
from ledger.notes import NoteError, checkpoint_parse, note_open, receipt_check, receipt_text

FORMAT = "assent-receipt-bundle/1"


class BundleFailed(Exception):
    """The bundle does not verify; the message is the one line to print."""


@dataclass(frozen=True)
class BundleSummary:
    """What a verified bundle shows: which choice, decided what, proven in which checkpoint."""

    site: str
    receipt: str
    recorded_at: str
    decisions: dict[str, bool]
    tree_size: int

    def line(self) -> str:
        """Return the one line the verifier prints."""
        chosen = ", ".join(
            f"{purpose} {'granted' if granted else 'denied'}" for purpose, granted in self.decisions.items()
        )
        return (
            f"site {self.site}: receipt {self.receipt} of {self.recorded_at} verified in the signed log of "
            f"{self.tree_size} leaves: {chosen}"
        )


def _event(bundle: dict[str, Any], own: Any, position: int) -> tuple[dict[str, Any], bytes]:
    """Return one event and the leaf hash of its canonical bytes, after checking it belongs to this receipt."""
    shared = bundle.get("event_shared")
    if not isinstance(own, dict) or not isinstance(shared, dict) or shared.keys() & own.keys():
        raise BundleFailed(f"event {position} is not an object of its own fields")
    event = {**shared, **own}
    for field, value in (("site", bundle["site"]), ("receipt", bundle["receipt"])):
        if event.get(field) != value:
            raise BundleFailed(f"event {event.get('event')} belongs to {field} {event.get(field)!r}, not {value!r}")
    if event.get("recorded_at") != bundle["recorded_at"]:
        raise BundleFailed(f"event {event.get('event')} was not recorded with its receipt")
    canonical = json.dumps(event, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return event, merkle.leaf_hash(canonical.encode())


def _proof(bundle: dict[str, Any], position: int) -> tuple[int, list[bytes]]:
    """Return (leaf index, proof hashes) of one event, resolved from the bundle's shared hashes."""
    try:
        index, path = bundle["leaves"][position]
        hashes = [base64.b64decode(bundle["hashes"][number], validate=True) for number in path]
    except (IndexError, KeyError, TypeError, ValueError, binascii.Error):
        raise BundleFailed(f"the inclusion proof of event {position} is malformed") from None
    if not isinstance(index, int):
        raise BundleFailed(f"the inclusion proof of event {position} has no leaf index")
    return index, hashes


def bundle_verify(bundle: Any, keys: list[Ed25519PublicKey]) -> BundleSummary:
    """Verify a parsed receipt bundle; raise BundleFailed naming the first problem."""
    if not isinstance(bundle, dict) or bundle.get("format") != FORMAT:
        raise BundleFailed(f"the file is not an {FORMAT} bundle")
    for field in ("site", "origin", "receipt", "recorded_at", "signature", "checkpoint"):
        if not isinstance(bundle.get(field), str):
            raise BundleFailed(f"the bundle has no {field}")
    owns = bundle.get("events")
    if not isinstance(owns, list) or not owns or len(bundle.get("leaves") or []) != len(owns):
        raise BundleFailed("the bundle needs its events and one inclusion proof per event")
    events = [_event(bundle, own, position) for position, own in enumerate(owns)]
    signed = receipt_text(
        origin=bundle["origin"],
        receipt_id=bundle["receipt"],
        recorded_at=bundle["recorded_at"],
        events=[(str(event.get("event")), leaf.hex()) for event, leaf in events],
    )
    if not any(receipt_check(signed, bundle["signature"], key) for key in keys):
        raise BundleFailed(
            f"receipt {bundle['receipt']}: the signature does not cover these events under any given key"
        )
    try:
        checkpoint = checkpoint_parse(note_open(bundle["checkpoint"], keys)[0])
    except NoteError as exc:
        raise BundleFailed(f"checkpoint: {exc}") from None
    if checkpoint.origin != bundle["origin"]:
        raise BundleFailed(f"the checkpoint is of log {checkpoint.origin!r}, not {bundle['origin']!r}")
    for position, (event, leaf) in enumerate(events):
        index, path = _proof(bundle, position)
        if not merkle.verify_inclusion(index, checkpoint.size, leaf, path, checkpoint.root):
            raise BundleFailed(f"event {event.get('event')} is not at leaf {index} of the signed checkpoint")
    return BundleSummary(
        site=bundle["site"],
        receipt=bundle["receipt"],
        recorded_at=bundle["recorded_at"],
        decisions={str(event.get("purpose")): bool(event.get("granted")) for event, _ in events},
        tree_size=checkpoint.size,
    )
