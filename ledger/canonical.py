"""The canonical bytes of an event: what its leaf hash commits to (standard library only).

The canonical form is `json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False)`
encoded as UTF-8, with timestamps as RFC 3339 UTC with six fractional digits and UUIDs hyphenated.
`event_text_bytes` builds the same bytes from already formatted text without the JSON encoder, because
full verification does this for every event; the tests hold the two paths equal.
"""

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


def _escaped(value: str) -> str:
    """Return the inside of a JSON string literal exactly as json.dumps(ensure_ascii=False) writes it."""
    return json.dumps(value, ensure_ascii=False)[1:-1]


def event_text_bytes(
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
    occurred_at: str,
    recorded_at: str,
    expires_at: str | None,
    receipt_id: str,
    evidence_hash: str,
    idempotency_key: str,
) -> bytes:
    """Return the canonical JSON of one event whose ids and timestamps are already canonical text."""
    # Ids, hashes and timestamps are generated, never typed, so they need no escaping. The typed
    # strings nearly never do either: one check of them all together (printable, no quote, no
    # backslash: then json.dumps leaves every one as it is) instead of one per string.
    typed = banner_version + idempotency_key + jurisdiction + kind + locale + method + purpose + site + source
    if not typed.isprintable() or '"' in typed or "\\" in typed:
        banner_version, idempotency_key, jurisdiction, kind, locale, method, purpose, site, source = map(
            _escaped, (banner_version, idempotency_key, jurisdiction, kind, locale, method, purpose, site, source)
        )
    expires = "null" if expires_at is None else f'"{expires_at}"'
    # Keys in sorted order.
    return (
        f'{{"banner_version":"{banner_version}","event":"{event_id}","evidence":"{evidence_hash}",'
        f'"expires_at":{expires},"granted":{"true" if granted else "false"},'
        f'"idempotency_key":"{idempotency_key}","jurisdiction":"{jurisdiction}",'
        f'"kind":"{kind}","locale":"{locale}","method":"{method}",'
        f'"occurred_at":"{occurred_at}","purpose":"{purpose}","receipt":"{receipt_id}",'
        f'"recorded_at":"{recorded_at}","site":"{site}","source":"{source}",'
        f'"subject":"{subject_key}","v":{FORMAT_VERSION}}}'
    ).encode()


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
    return canonical_json(document)
