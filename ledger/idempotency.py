"""Idempotency keys: each scoped to one (log, subject, channel) and remembering what its request asked.

A key answers for the first choice written under it only when the same request comes again: the
same key with a different body is refused, never answered with another request's receipt. The key
row lives beside the events (not in their canonical bytes), so its scope and fingerprint can change
shape without touching a single leaf.
"""

import hashlib
import re
import uuid
from datetime import datetime

from ledger.canonical import canonical_json, timestamp
from ledger.choices import Choice
from ledger.errors import LedgerInputError
from ledger.models import IdempotencyKey, Log
from ledger.rows import Insert, fetch

# The caller's entry point (public banner endpoint, marketer API, account pages, background tasks):
# a key one channel chose can never answer for a request that came through another.
_CHANNEL_RE = re.compile(r"[a-z][a-z_]{0,15}")
_FIND = (
    "SELECT receipt_id, fingerprint FROM ledger_idempotencykey"
    " WHERE log_id = %s AND subject_key = %s AND channel = %s AND idempotency_key = %s"
)


def channel_check(channel: str) -> str:
    """Return the channel name, or raise naming the field when it is not a short lowercase word."""
    if not isinstance(channel, str) or not _CHANNEL_RE.fullmatch(channel):
        raise LedgerInputError("channel", "must be 1 to 16 lowercase letters or underscores")
    return channel


def request_fingerprint(choice: Choice) -> str:
    """Return the hex SHA-256 of the canonical request a choice was made with (what a retry repeats)."""
    document = {
        "banner_version": choice.banner_version,
        "decisions": choice.decisions,
        "jurisdiction": choice.jurisdiction,
        "kind": choice.kind,
        "locale": choice.locale,
        "method": choice.method,
        "occurred_at": timestamp(choice.occurred_at) if choice.occurred_at else None,
        "source": choice.source,
    }
    return hashlib.sha256(canonical_json(document)).hexdigest()


def key_insert(log: Log, subject_key: str, channel: str, choice: Choice, receipt_id: uuid.UUID, at: datetime) -> Insert:
    """Return the key row of a choice (none without a key); its unique scope refuses a second choice."""
    if choice.idempotency_key is None:
        return Insert(IdempotencyKey, (), ())
    fields = ("receipt_id", "log", "subject_key", "channel", "idempotency_key", "fingerprint", "created_at")
    row = (receipt_id, log.id, subject_key, channel, choice.idempotency_key, request_fingerprint(choice), at)
    return Insert(IdempotencyKey, fields, [row])


def key_find(log: Log, subject_key: str, channel: str, key: str) -> tuple[uuid.UUID, str] | None:
    """Return (receipt id, fingerprint) of the choice first written under a key in its scope."""
    rows = fetch(_FIND, [log.id, subject_key, channel, key])
    if not rows:
        return None
    receipt_id, fingerprint = rows[0]
    return (receipt_id if isinstance(receipt_id, uuid.UUID) else uuid.UUID(str(receipt_id))), fingerprint
