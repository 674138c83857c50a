"""The vocabulary of events and the checks an append passes before anything is written."""

import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from ledger.canonical import canonical_json
from ledger.errors import (
    EmptyDecisions,
    FutureTimestamp,
    InvalidSubject,
    LedgerInputError,
    UnknownPurpose,
    UnknownTerm,
)

SOURCES = frozenset({"banner", "preference_centre", "account_settings", "api", "gpc", "import", "operator", "system"})
# "defaulted": on by default under an opt-out or notice law, before the person chose anything.
KINDS = frozenset({"opted_in", "defaulted", "opted_out", "withdrawn", "objected", "expired", "erased"})
METHODS = frozenset(
    {
        "accept_all",
        "reject_all",
        "custom",
        "default",
        "gpc",
        "api",
        "withdraw_all",
        "expiry",
        "erasure",
        "identify",
        "import",
    }
)
GRANTING_KINDS = frozenset({"opted_in", "defaulted"})
SUBJECT_MAX = 128
CLOCK_SKEW = timedelta(minutes=5)
# No consent banner predates this; the bound also keeps every timestamp a four-digit year.
EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)
EVIDENCE_MAX_BYTES = 8192
# A site key is the log's origin line and a signed text line: no spaces, no line breaks.
_SITE_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
_SHORT_FIELDS = {"banner_version": 64, "locale": 16, "jurisdiction": 16, "idempotency_key": 128}


@dataclass(frozen=True)
class Choice:
    """One checked choice, ready to be written."""

    site: str
    decisions: dict[str, bool]
    kind: str | None
    source: str
    method: str
    banner_version: str
    jurisdiction: str
    locale: str
    occurred_at: datetime | None
    idempotency_key: str | None
    evidence: dict[str, Any] | None
    lifetime: timedelta | None
    # Purposes processed on legitimate interest: switching one off is an objection (GDPR Art. 21).
    objectable: frozenset[str] = frozenset()


def kind_derive(*, granted: bool, previously_granted: bool, objectable: bool = False) -> str:
    """Return the kind of a decision made without an explicit kind."""
    if granted:
        return "opted_in"
    if objectable:
        return "objected"
    return "withdrawn" if previously_granted else "opted_out"


def site_check(site: str) -> str:
    """Return the site key, or raise naming the field when it cannot name a log."""
    if not isinstance(site, str) or not _SITE_RE.fullmatch(site):
        raise LedgerInputError("site", "must be 1 to 64 letters, digits, dots, dashes or underscores")
    return site


def subject_check(subject: str) -> str:
    """Return the subject id, or raise when it is empty or too long."""
    if not isinstance(subject, str) or not 0 < len(subject) <= SUBJECT_MAX:
        raise InvalidSubject("subject", f"must be 1 to {SUBJECT_MAX} characters")
    return subject


def _decisions_check(decisions: Mapping[str, bool], known_purposes: Collection[str]) -> dict[str, bool]:
    if not decisions:
        raise EmptyDecisions("decisions", "must decide at least one purpose")
    known = set(known_purposes)
    for purpose, granted in decisions.items():
        if purpose not in known:
            raise UnknownPurpose(f"decisions.{purpose}", "is not a known purpose of this site")
        if not isinstance(granted, bool):
            raise LedgerInputError(f"decisions.{purpose}", "must be true or false")
        if not isinstance(purpose, str) or not 0 < len(purpose) <= 64:
            raise LedgerInputError(f"decisions.{purpose}", "must be a purpose slug of 1 to 64 characters")
    return dict(decisions)


def _terms_check(*, kind: str | None, source: str, method: str, decisions: Mapping[str, bool]) -> None:
    if source not in SOURCES:
        raise UnknownTerm("source", f"must be one of {', '.join(sorted(SOURCES))}")
    if not (method in METHODS or (method == "" and source == "system")):
        raise UnknownTerm("method", f"must be one of {', '.join(sorted(METHODS))} (or empty for system events)")
    if kind is None:
        return
    if kind not in KINDS:
        raise UnknownTerm("kind", f"must be one of {', '.join(sorted(KINDS))}")
    granting = kind in GRANTING_KINDS
    wrong = sorted(purpose for purpose, granted in decisions.items() if granted != granting)
    if wrong:
        raise LedgerInputError("kind", f"{kind!r} contradicts the decision for {', '.join(wrong)}")


def _occurred_at_check(occurred_at: datetime | None, now: datetime) -> datetime | None:
    if occurred_at is None:
        return None
    if not isinstance(occurred_at, datetime) or occurred_at.tzinfo is None:
        raise LedgerInputError("occurred_at", "must be a timezone-aware datetime")
    if occurred_at < EARLIEST:
        raise LedgerInputError("occurred_at", "lies before 2000-01-01")
    if occurred_at > now + CLOCK_SKEW:
        raise FutureTimestamp("occurred_at", "lies more than 5 minutes in the future")
    return occurred_at


def _evidence_check(evidence: Mapping[str, Any] | None) -> dict[str, Any] | None:
    if evidence is None:
        return None
    try:
        size = len(canonical_json(dict(evidence)))
    except (TypeError, ValueError):
        raise LedgerInputError("evidence", "must be a JSON object") from None
    if size > EVIDENCE_MAX_BYTES:
        raise LedgerInputError("evidence", f"must be at most {EVIDENCE_MAX_BYTES} bytes of JSON")
    return dict(evidence)


def choice_check(
    *,
    site: str,
    decisions: Mapping[str, bool],
    known_purposes: Collection[str],
    kind: str | None,
    source: str,
    method: str,
    banner_version: str,
    jurisdiction: str,
    locale: str,
    occurred_at: datetime | None,
    idempotency_key: str | None,
    evidence: Mapping[str, Any] | None,
    lifetime: timedelta | None,
    now: datetime,
    objectable: Collection[str] = (),
) -> Choice:
    """Return the checked choice, or raise a LedgerInputError naming the first field at fault."""
    checked = _decisions_check(decisions, known_purposes)
    _terms_check(kind=kind, source=source, method=method, decisions=checked)
    texts = {"banner_version": banner_version, "locale": locale, "jurisdiction": jurisdiction}
    texts["idempotency_key"] = idempotency_key or ""
    for field, value in texts.items():
        if not isinstance(value, str) or len(value) > _SHORT_FIELDS[field]:
            raise LedgerInputError(field, f"must be a string of at most {_SHORT_FIELDS[field]} characters")
    if lifetime is not None and lifetime <= timedelta(0):
        raise LedgerInputError("lifetime", "must be positive")
    return Choice(
        site=site_check(site),
        decisions=checked,
        kind=kind,
        source=source,
        method=method,
        banner_version=banner_version,
        jurisdiction=jurisdiction,
        locale=locale,
        occurred_at=_occurred_at_check(occurred_at, now),
        idempotency_key=idempotency_key or None,
        evidence=_evidence_check(evidence),
        lifetime=lifetime,
        objectable=frozenset(objectable),
    )
