"""Beat tasks of the console: keep the rollups current, verify every site's log once a day."""

import logging

from celery import shared_task

from consent.console import rollups
from consent.models import Site

logger = logging.getLogger(__name__)


@shared_task(name="consent.console.tasks.rollups_fold_all")
def rollups_fold_all() -> int:
    """Fold every site's new leaves into the rollups and snapshot today's shares (beat, every minute)."""
    folded = 0
    for site in Site.objects.order_by("pk"):
        folded += rollups.rollup_fold(site=site)
        rollups.share_snapshot(site=site)
    return folded


@shared_task(name="consent.console.tasks.ledger_check_all")
def ledger_check_all() -> int:
    """Verify each site's log and store the result for its dashboard (beat, daily)."""
    failed = 0
    for site in Site.objects.order_by("pk"):
        check = rollups.ledger_check(site=site)
        if check is not None and not check.ok:
            failed += 1
            logger.error("ledger check failed for site %s: %s", site.key, check.message)
    return failed
