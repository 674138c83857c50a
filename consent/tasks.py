"""Celery tasks of the consent domain: grants that ran out of their lifetime are recorded as expired."""

import logging
from collections import defaultdict
from datetime import datetime

from celery import shared_task
from django.db import transaction
from django.utils import timezone

from consent.models import Purpose, Site, Subject
from consent.services import ConsentInputError, consent_record
from ledger import selectors as ledger_selectors
from ledger import services as ledger_services
from ledger.selectors import DueExpiry

logger = logging.getLogger(__name__)

# One beat run handles at most this many grants; the next run (five minutes later) takes the rest.
BATCH = 1000


def _idempotency_key(dues: list[DueExpiry]) -> str:
    """Return the same key for the same lapsed grants, so two overlapping runs record them once."""
    latest = max(due.expires_at for due in dues)
    return f"expiry:{dues[0].subject_key[:48]}:{latest.timestamp():.6f}:{len(dues)}"


def _ledger_expire(*, site: Site, subject: Subject, purposes: list[str], expires_at: datetime) -> None:
    """Append `expired` straight to the ledger, for grants consent_record must not touch.

    consent_record refuses to record a required purpose as not granted, follows a linked device to
    its user (whose own grant has not lapsed), and knows only the site's current purposes; left
    alone, such grants would come back in every batch and crowd out the others.
    """
    ledger_services.event_append(
        site=site.key,
        subject=subject.pseudonym,
        decisions=dict.fromkeys(purposes, False),
        kind="expired",
        source="system",
        method="expiry",
        banner_version="",
        locale="",
        known_purposes=purposes,
        occurred_at=expires_at,
    )


def subject_expire(*, site: Site, subject: Subject, dues: list[DueExpiry]) -> int:
    """Record one subject's lapsed grants as expired; return how many purposes expired."""
    purposes = {due.purpose for due in dues}
    optional = set(Purpose.objects.filter(site=site, slug__in=purposes, required=False).values_list("slug", flat=True))
    if subject.linked_to_id is not None:
        optional = set()
    # The moment the last grant lapsed (never later than now: a run may be asked about the future).
    expires_at = min(max(due.expires_at for due in dues), timezone.now())
    with transaction.atomic():
        if optional:
            # Through the central write, so the ledger and every destination hear of it together.
            consent_record(
                site=site,
                external_id=subject.external_id,
                choices=dict.fromkeys(sorted(optional), False),
                kind="expired",
                source="system",
                method="expiry",
                locale="",
                occurred_at=expires_at,
                idempotency_key=_idempotency_key(dues),
                subject_kind=subject.kind,
            )
        rest = sorted(purposes - optional)
        if rest:
            _ledger_expire(site=site, subject=subject, purposes=rest, expires_at=expires_at)
    return len(purposes)


def consent_expire(*, now: datetime | None = None, limit: int = BATCH) -> int:
    """Record every grant whose expires_at has passed as expired, one subject at a time; return how many."""
    dues = ledger_selectors.states_due_for_expiry(now=now or timezone.now(), limit=limit)
    by_subject: dict[tuple[str, str], list[DueExpiry]] = defaultdict(list)
    for due in dues:
        by_subject[(due.site, due.subject_key)].append(due)
    sites = {site.key: site for site in Site.objects.filter(key__in={site for site, _ in by_subject})}
    subjects = {
        (subject.site.key, subject.ledger_key): subject
        for subject in Subject.objects.select_related("site").filter(
            site__key__in=list(sites), ledger_key__in={key for _, key in by_subject}
        )
    }
    expired = 0
    for (site_key, subject_key), rows in by_subject.items():
        subject = subjects.get((site_key, subject_key))
        if subject is None:
            # The link to a pseudonym is gone (erased) or was never made here: nothing can name it.
            logger.warning("expiry: no subject for ledger key %s on site %s", subject_key, site_key)
            continue
        try:
            expired += subject_expire(site=sites[site_key], subject=subject, dues=rows)
        except (ConsentInputError, ValueError):
            logger.exception("expiry: could not expire subject %s on site %s", subject.pk, site_key)
    return expired


@shared_task(name="consent.tasks.consent_expire_due")
def consent_expire_due() -> int:
    """Record the grants that ran out of their lifetime as expired (beat, every five minutes)."""
    return consent_expire()
