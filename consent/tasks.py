"""Celery tasks of the consent domain: grants that ran out of their lifetime are recorded as expired."""

import hashlib
import logging
import time
from collections import defaultdict
from datetime import datetime

from celery import shared_task
from django.db import transaction
from django.utils import timezone

from consent.hooks import services as hooks_services
from consent.models import Purpose, Site, Subject
from consent.services import ConsentInputError, consent_record
from ledger import selectors as ledger_selectors
from ledger import services as ledger_services
from ledger.selectors import DueExpiry

logger = logging.getLogger(__name__)

# One page of lapsed grants; a run goes on page after page until none is left or its time is up.
BATCH = 1000
# A run stops starting pages after this long, well inside the five minutes between beats; at
# hundreds of subjects a second that is far more than a million expiries a day.
RUN_SECONDS = 240.0


def _idempotency_key(dues: list[DueExpiry], part: str) -> str:
    """Return the same key for the same lapsed grants, so two overlapping runs record them once."""
    latest = max(due.expires_at for due in dues)
    purposes = hashlib.sha256(",".join(sorted(due.purpose for due in dues)).encode()).hexdigest()[:16]
    return f"expiry:{part}:{dues[0].subject_key[:48]}:{latest.timestamp():.6f}:{purposes}"


def _ledger_expire(
    *, site: Site, subject: Subject, purposes: list[str], expires_at: datetime, idempotency_key: str
) -> None:
    """Append `expired` straight to the ledger, for grants consent_record must not touch, and tell destinations.

    consent_record refuses to record a required purpose as not granted, follows a linked device to
    its user (whose own grant has not lapsed), and knows only the site's current purposes; left
    alone, such grants would come back in every run. Destinations hear of them like of any expiry.
    """
    receipt = ledger_services.event_append(
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
        idempotency_key=idempotency_key,
    )
    if not receipt.replayed:
        hooks_services.deliveries_create(site=site, subject=subject, receipt=receipt)


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
                idempotency_key=_idempotency_key(dues, "choice"),
                subject_kind=subject.kind,
            )
        rest = sorted(purposes - optional)
        if rest:
            _ledger_expire(
                site=site,
                subject=subject,
                purposes=rest,
                expires_at=expires_at,
                idempotency_key=_idempotency_key(dues, "ledger"),
            )
    return len(purposes)


def _page_expire(dues: list[DueExpiry]) -> int:
    """Record one page of lapsed grants as expired, one subject at a time; return how many."""
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


def consent_expire(*, now: datetime | None = None, limit: int = BATCH, seconds: float = RUN_SECONDS) -> int:
    """Record every grant whose expires_at has passed as expired, page by page; return how many.

    The pages follow a cursor, so grants that cannot be expired (a subject nobody can name, a
    failing write) are passed over instead of filling every page of every later run.
    """
    moment = now or timezone.now()
    deadline = time.monotonic() + seconds
    after = None
    expired = 0
    while time.monotonic() < deadline:
        dues = ledger_selectors.states_due_for_expiry(now=moment, limit=limit, after=after)
        if not dues:
            break
        # A subject's grants may straddle two pages: the second page expires the rest the same way.
        expired += _page_expire(dues)
        after = dues[-1].cursor
        if len(dues) < limit:
            break
    return expired


@shared_task(name="consent.tasks.consent_expire_due")
def consent_expire_due() -> int:
    """Record the grants that ran out of their lifetime as expired (beat, every five minutes)."""
    return consent_expire()
