"""Read what the ledger holds for a subject, as the tests check it (through the ledger's own reads)."""

from typing import Any

from consent.models import Site, Subject
from ledger import selectors as ledger_selectors
from ledger.models import Event, Evidence


def _pseudonym(site: Site, external_id: str) -> str:
    return Subject.objects.get(site=site, external_id=external_id).pseudonym


def state_of(site: Site, external_id: str) -> dict[str, bool]:
    """Return the subject's current decision per purpose."""
    state = ledger_selectors.subject_state(site=site.key, subject=_pseudonym(site, external_id))
    return {purpose: row.granted for purpose, row in state.items()}


def events_of(site: Site, external_id: str) -> list[Any]:
    """Return the subject's events, newest first."""
    return list(ledger_selectors.subject_events(site=site.key, subject=_pseudonym(site, external_id)))


def evidence_of(site: Site, external_id: str) -> dict[str, Any]:
    """Return the evidence recorded with the subject's newest choice (the ledger's deletable side table)."""
    return Evidence.objects.get(receipt_id=events_of(site, external_id)[0].receipt_id).data


def event_count() -> int:
    return Event.objects.count()
