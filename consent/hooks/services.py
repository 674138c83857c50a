"""Writes of the webhook side: destinations and the delivery outbox."""

from consent.models import Site, Subject
from ledger.services import Receipt


def deliveries_create(*, site: Site, subject: Subject, receipt: Receipt, event_type: str = "consent.updated") -> int:
    """Queue one delivery per matching destination in the caller's transaction; return how many."""
    return 0
