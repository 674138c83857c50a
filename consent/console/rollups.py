"""Fold a site's integrated log into the daily rollups, snapshot consent shares, record ledger checks."""

from collections import Counter, defaultdict
from datetime import UTC, date, datetime
from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from consent.console.models import DailyChoices, DailyPurpose, FoldCursor, LedgerCheck
from consent.models import Site
from ledger import selectors as ledger_selectors
from ledger.verification import Problem, ledger_verify

# Leaves read per transaction; a run folds batch after batch until it catches up.
FOLD_BATCH = 2000
# A choice's events commit together and are integrated in event-id order, so they land within a few
# leaves of each other; the receipts of a batch's last leaves are kept to count a choice once.
RECEIPT_TAIL = 500
CHOICE_METHODS = ("accept_all", "reject_all", "custom", "gpc")
PURPOSE_KINDS = ("opted_in", "opted_out", "withdrawn", "objected", "expired")


def _day(moment: datetime) -> date:
    return moment.astimezone(UTC).date()


def _add(model: type[DailyChoices] | type[DailyPurpose], keys: dict[str, Any], counts: Counter[str]) -> None:
    """Add counts to a rollup row, creating it first (the caller holds the site's fold lock)."""
    model.objects.get_or_create(**keys)
    model.objects.filter(**keys).update(**{name: F(name) + n for name, n in counts.items()})


@transaction.atomic
def _fold_batch(*, site: Site) -> int:
    cursor = FoldCursor.objects.select_for_update().get(site=site)
    rows = ledger_selectors.events_feed(
        site=site.key, after=cursor.leaf_index if cursor.leaf_index >= 0 else None, limit=FOLD_BATCH
    )
    if not rows:
        return 0
    counted = set(cursor.open_receipts)
    choices: defaultdict[date, Counter[str]] = defaultdict(Counter)
    purposes: defaultdict[tuple[date, str], Counter[str]] = defaultdict(Counter)
    for row in rows:
        day = _day(row.recorded_at)
        if row.kind in PURPOSE_KINDS:
            purposes[day, row.purpose][row.kind] += 1
        if row.receipt_id not in counted:
            counted.add(row.receipt_id)
            choices[day][row.method if row.method in CHOICE_METHODS else "other"] += 1
    for day, counts in choices.items():
        _add(DailyChoices, {"site": site, "day": day}, counts)
    for (day, purpose), counts in purposes.items():
        _add(DailyPurpose, {"site": site, "day": day, "purpose": purpose}, counts)
    cursor.leaf_index = rows[-1].leaf_index if rows[-1].leaf_index is not None else cursor.leaf_index
    cursor.open_receipts = sorted({row.receipt_id for row in rows[-RECEIPT_TAIL:]})
    cursor.folded_at = timezone.now()
    cursor.save()
    return len(rows)


def rollup_fold(*, site: Site) -> int:
    """Fold the leaves integrated since the last run into the daily rollups; return how many."""
    FoldCursor.objects.get_or_create(site=site)
    folded = 0
    while True:
        count = _fold_batch(site=site)
        folded += count
        if count < FOLD_BATCH:
            return folded


@transaction.atomic
def share_snapshot(*, site: Site, day: date | None = None) -> int:
    """Store today's share of subjects granting each purpose, from the state projection."""
    day = day or _day(timezone.now())
    counts = ledger_selectors.state_counts(site=site.key)
    for purpose, (granting, decided) in counts.items():
        DailyPurpose.objects.update_or_create(
            site=site, day=day, purpose=purpose, defaults={"granting": granting, "decided": decided}
        )
    return len(counts)


def ledger_check(*, site: Site) -> LedgerCheck | None:
    """Verify a site's log end to end and store the result; None when the site has no log yet."""
    results = ledger_verify(site=site.key)
    if not results:
        return None
    result = results[0]
    if isinstance(result, Problem):
        return LedgerCheck.objects.create(site=site, checked_at=timezone.now(), ok=False, message=result.line()[:500])
    return LedgerCheck.objects.create(
        site=site, checked_at=timezone.now(), ok=True, size=result.size, checkpoints=result.checkpoints
    )
