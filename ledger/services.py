"""Writes of the ledger: appending choices, erasing evidence, integrating logs, rebuilding the projection.

Every function is keyword-only and atomic. Nothing here imports the consent side: a site is its key.
"""

from collections.abc import Collection, Mapping
from datetime import datetime, timedelta
from typing import Any

from django.db import IntegrityError
from django.utils import timezone

from ledger import backends, integrator, rebuild
from ledger.append import choice_write, receipt_replay
from ledger.choices import choice_check, subject_check
from ledger.errors import (
    EmptyDecisions,
    FutureTimestamp,
    IdempotencyConflict,
    InvalidSubject,
    LedgerInputError,
    LedgerIntegrityError,
    UnknownPurpose,
    UnknownTerm,
)
from ledger.idempotency import channel_check
from ledger.logs import key_of, log_find, log_get_or_create
from ledger.models import Evidence
from ledger.rebuild import StateDifference
from ledger.receipts import Receipt

__all__ = [
    "EmptyDecisions",
    "FutureTimestamp",
    "IdempotencyConflict",
    "InvalidSubject",
    "LedgerInputError",
    "LedgerIntegrityError",
    "Receipt",
    "StateDifference",
    "UnknownPurpose",
    "UnknownTerm",
    "checkpoint_sign",
    "event_append",
    "evidence_erase",
    "log_integrate",
    "log_integrate_all",
    "rebuild_state",
    "subject_key",
]

# Two appends racing to create a subject's first state rows make one of them fail on a unique
# constraint; a retry then sees the winner's rows.
_ATTEMPTS = 3


def subject_key(*, site: str, subject: str) -> str:
    """Return the keyed hash the ledger files a subject under (creating the site's log on first use)."""
    return key_of(log_get_or_create(site), subject_check(subject))


def event_append(
    *,
    site: str,
    subject: str,
    decisions: Mapping[str, bool],
    source: str,
    banner_version: str,
    method: str,
    locale: str,
    known_purposes: Collection[str],
    kind: str | None = None,
    jurisdiction: str = "",
    occurred_at: datetime | None = None,
    idempotency_key: str | None = None,
    channel: str = "system",
    evidence: Mapping[str, Any] | None = None,
    lifetime: timedelta | None = None,
    objectable: Collection[str] = (),
) -> Receipt:
    """Append one choice (one event per purpose, one receipt) and update the projection in one transaction.

    Without an explicit kind, a purpose in `objectable` that is switched off is recorded as objected.

    An idempotency key answers only within (site, subject, channel): the same request again gets the
    first receipt back (`replayed`), a different request under the same key raises IdempotencyConflict.
    """
    subject_check(subject)
    channel_check(channel)
    choice = choice_check(
        site=site,
        decisions=decisions,
        known_purposes=known_purposes,
        kind=kind,
        source=source,
        method=method,
        banner_version=banner_version,
        jurisdiction=jurisdiction,
        locale=locale,
        occurred_at=occurred_at,
        idempotency_key=idempotency_key,
        evidence=evidence,
        lifetime=lifetime,
        now=timezone.now(),
        objectable=objectable,
    )
    log = log_get_or_create(choice.site)
    key = key_of(log, subject)
    for attempt in range(1, _ATTEMPTS + 1):
        try:
            with backends.current().attempt() as savepoint:
                return choice_write(log, key, choice, channel, savepoint)
        except IntegrityError:
            # Either the idempotency key was used first (answer with that receipt, or refuse a different
            # request), or another append created this subject's first state rows first (try again).
            replay = receipt_replay(log, key, choice, channel)
            if replay is not None:
                return replay
            if attempt == _ATTEMPTS:
                raise
    raise AssertionError("unreachable: the last attempt returns or raises")


def evidence_erase(*, site: str, subject: str) -> int:
    """Delete every evidence row of a subject; return how many. The log still verifies afterwards."""
    log = log_find(site)
    if log is None:
        return 0
    deleted, _ = Evidence.objects.filter(log=log, subject_key=key_of(log, subject_check(subject))).delete()
    return deleted


def log_integrate(*, site: str, checkpoint_force: bool = False) -> int:
    """Append the leaves of a site's waiting events to its log, sign a checkpoint when due; return leaves added."""
    return integrator.log_integrate(site=site, checkpoint_force=checkpoint_force)


def log_integrate_all() -> dict[str, int]:
    """Integrate every site with waiting events and sign the checkpoints that are due; return leaves per site."""
    return integrator.log_integrate_all()


def checkpoint_sign(*, site: str) -> bool:
    """Sign a checkpoint of a site's log now if it grew since the last one; return whether one was signed."""
    return integrator.checkpoint_sign(site=site, force=True) is not None


def rebuild_state(*, site: str | None = None, repair: bool = True) -> list[StateDifference]:
    """Fold the events again, report where the projection differs and (by default) repair it."""
    return rebuild.rebuild_state(site=site, repair=repair)
