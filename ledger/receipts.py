"""Receipts: what an append returns at once, signed like a certificate transparency SCT."""

import base64
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from ledger.canonical import timestamp
from ledger.keys import key_id_hex, signing_key
from ledger.notes import receipt_text


@dataclass(frozen=True)
class Receipt:
    """The signed acknowledgement of one choice: its events, their leaf hashes and the state after it."""

    id: str
    site: str
    origin: str
    event_ids: list[str]
    leaf_hashes: list[str]
    recorded_at: datetime
    state: dict[str, bool]
    changed: list[str]
    replayed: bool
    signature: str
    key_id: str
    purposes: list[str] = field(default_factory=list)

    def text(self) -> str:
        """Return the exact text the signature covers."""
        return receipt_text(
            origin=self.origin,
            receipt_id=self.id,
            recorded_at=timestamp(self.recorded_at),
            events=list(zip(self.event_ids, self.leaf_hashes, strict=True)),
        )

    def as_dict(self) -> dict[str, Any]:
        """Return the receipt as JSON-ready data."""
        return {
            "id": self.id,
            "site": self.site,
            "origin": self.origin,
            "event_ids": list(self.event_ids),
            "leaf_hashes": list(self.leaf_hashes),
            "purposes": list(self.purposes),
            "recorded_at": timestamp(self.recorded_at),
            "state": dict(self.state),
            "changed": list(self.changed),
            "replayed": self.replayed,
            "signature": self.signature,
            "key_id": self.key_id,
        }


def receipt_sign(
    *,
    site: str,
    origin: str,
    receipt_id: str,
    recorded_at: datetime,
    events: list[tuple[str, str, bytes]],
    state: dict[str, bool],
    changed: list[str],
    replayed: bool,
) -> Receipt:
    """Return the signed receipt of events given as (event id, purpose, leaf hash)."""
    key = signing_key()
    event_ids = [event_id for event_id, _, _ in events]
    leaf_hashes = [leaf.hex() for _, _, leaf in events]
    text = receipt_text(
        origin=origin,
        receipt_id=receipt_id,
        recorded_at=timestamp(recorded_at),
        events=list(zip(event_ids, leaf_hashes, strict=True)),
    )
    return Receipt(
        id=receipt_id,
        site=site,
        origin=origin,
        event_ids=event_ids,
        leaf_hashes=leaf_hashes,
        purposes=[purpose for _, purpose, _ in events],
        recorded_at=recorded_at,
        state=state,
        changed=changed,
        replayed=replayed,
        signature=base64.b64encode(key.sign(text.encode())).decode(),
        key_id=key_id_hex(key),  # the key that signed, read once: a rotation between two reads cannot split them
    )
