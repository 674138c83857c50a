"""The canonical bytes of an event: what its leaf hash commits to (standard library only)."""

import json
from datetime import UTC, datetime
from typing import Any

FORMAT_VERSION = 1


def timestamp(value: datetime) -> str:
    """Return a timestamp as RFC 3339 UTC with exactly six fractional digits."""
    if value.tzinfo is None:
        raise ValueError("timestamps in the ledger are timezone-aware")
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def canonical_json(value: Any) -> bytes:
    """Return the one byte string a JSON value hashes to: sorted keys, no spaces, UTF-8."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def event_bytes(
    *,
    event_id: str,
    site: str,
    subject_key: str,
    purpose: str,
    granted: bool,
    kind: str,
    source: str,
    method: str,
    banner_version: str,
    jurisdiction: str,
    locale: str,
    occurred_at: datetime,
    recorded_at: datetime,
    expires_at: datetime | None,
    receipt_id: str,
    evidence_hash: str,
    idempotency_key: str,
) -> bytes:
    """Return the canonical JSON of one event; every stored column is in it."""
    # Keys are written already sorted, so this equals canonical_json() without paying for the sort.
    document = {
        "banner_version": banner_version,
        "event": event_id,
        "evidence": evidence_hash,
        "expires_at": timestamp(expires_at) if expires_at is not None else None,
        "granted": granted,
        "idempotency_key": idempotency_key,
        "jurisdiction": jurisdiction,
        "kind": kind,
        "locale": locale,
        "method": method,
        "occurred_at": timestamp(occurred_at),
        "purpose": purpose,
        "receipt": receipt_id,
        "recorded_at": timestamp(recorded_at),
        "site": site,
        "source": source,
        "subject": subject_key,
        "v": FORMAT_VERSION,
    }
    return json.dumps(document, separators=(",", ":"), ensure_ascii=False).encode()
