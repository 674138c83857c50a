"""The rollups against choices whose true counts are known: funnel, kinds per purpose, shares, checks."""

from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone

from consent.console import rollups
from consent.console.models import DailyChoices, DailyPurpose, LedgerCheck
from consent.console.tasks import ledger_check_all, rollups_fold_all
from consent.tasks import consent_expire
from ledger import selectors as ledger_selectors
from ledger import services as ledger_services
from tests.console.conftest import choose

pytestmark = pytest.mark.django_db

ALL = ("essential", "personalization", "analytics", "marketing")


def today():
    return datetime.now(UTC).date()


@pytest.fixture
def chosen(site):
    """Five choices and a withdrawal: the counts below follow from them and nothing else."""
    version = site.banner_versions.get().content_hash
    choose(site, "v1", {"analytics": True, "marketing": False}, "custom", version)
    choose(site, "v2", dict.fromkeys(ALL, True), "accept_all", version)
    choose(site, "v3", {**dict.fromkeys(ALL, False), "essential": True}, "reject_all", version)
    choose(site, "v4", {"marketing": False}, "gpc", version)
    choose(site, "v1", {"analytics": False}, "custom", version)  # v1 withdraws analytics
    ledger_services.log_integrate(site=site.key, checkpoint_force=True)
    return site


def choices_row(site):
    return DailyChoices.objects.get(site=site, day=today())


def purpose_row(site, purpose):
    return DailyPurpose.objects.get(site=site, day=today(), purpose=purpose)


def test_it_counts_each_choice_once_by_how_it_was_made(chosen):
    rollups.rollup_fold(site=chosen)
    row = choices_row(chosen)
    assert (row.accept_all, row.reject_all, row.custom, row.gpc, row.other) == (1, 1, 2, 1, 0)


def test_it_counts_decisions_per_purpose_by_kind_including_withdrawals(chosen):
    rollups.rollup_fold(site=chosen)
    analytics = purpose_row(chosen, "analytics")
    # v1 and v2 opted in, v3 opted out, v1 then withdrew.
    assert (analytics.opted_in, analytics.opted_out, analytics.withdrawn) == (2, 1, 1)
    marketing = purpose_row(chosen, "marketing")
    assert (marketing.opted_in, marketing.opted_out, marketing.withdrawn) == (1, 3, 0)


def test_folding_again_adds_only_what_is_new(chosen):
    rollups.rollup_fold(site=chosen)
    assert rollups.rollup_fold(site=chosen) == 0
    choose(chosen, "v5", {"analytics": True}, "custom", chosen.banner_versions.get().content_hash)
    ledger_services.log_integrate(site=chosen.key)
    assert rollups.rollup_fold(site=chosen) > 0
    assert choices_row(chosen).custom == 3
    assert purpose_row(chosen, "analytics").opted_in == 3


def test_a_choice_split_across_batches_still_counts_once(chosen, monkeypatch):
    monkeypatch.setattr(rollups, "FOLD_BATCH", 3)
    rollups.rollup_fold(site=chosen)
    row = choices_row(chosen)
    assert (row.accept_all, row.reject_all, row.custom, row.gpc) == (1, 1, 2, 1)
    assert purpose_row(chosen, "analytics").opted_in == 2


def test_expiries_are_counted_per_purpose(chosen):
    later = timezone.now() + timedelta(days=chosen.consent_lifetime_days + 1)
    dues = ledger_selectors.states_due_for_expiry(now=later)
    due = Counter(row.purpose for row in dues)
    assert due["marketing"] == 1  # v2's grant
    consent_expire(now=later)
    ledger_services.log_integrate(site=chosen.key)
    rollups.rollup_fold(site=chosen)
    for purpose, expected in due.items():
        assert purpose_row(chosen, purpose).expired == expected
    # Per subject, lapsed optional grants make one system choice and lapsed required ones another.
    required = set(chosen.purposes.filter(required=True).values_list("slug", flat=True))
    expiry_choices = {(row.subject_key, row.purpose in required) for row in dues}
    assert choices_row(chosen).other == len(expiry_choices)


def test_the_share_granting_comes_from_the_state_projection(chosen):
    rollups.share_snapshot(site=chosen)
    analytics, marketing = purpose_row(chosen, "analytics"), purpose_row(chosen, "marketing")
    assert (analytics.granting, analytics.decided) == (1, 3)  # v2 grants; v1 withdrew, v3 refused
    assert (marketing.granting, marketing.decided) == (1, 4)


def test_the_beat_tasks_fold_every_site_and_store_a_passing_check(chosen):
    assert rollups_fold_all() > 0
    assert choices_row(chosen).accept_all == 1
    assert ledger_check_all() == 0
    check = LedgerCheck.objects.get(site=chosen)
    assert check.ok
    assert check.size == ledger_selectors.log_health(site=chosen.key).size > 0
