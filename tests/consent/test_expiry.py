"""Grants that ran out of their lifetime are recorded as expired, and destinations hear of it."""

import json
from datetime import timedelta

import pytest
from django.utils import timezone

from consent.celery import app
from consent.hooks.models import Delivery
from consent.hooks.services import destination_create
from consent.models import Subject
from consent.services import consent_record
from consent.tasks import consent_expire, consent_expire_due
from ledger import selectors as ledger_selectors
from ledger import services as ledger_services

pytestmark = pytest.mark.django_db

A_YEAR_LATER = timedelta(days=366)


def _choose(site, external_id, choices, **extra):
    subject, receipt = consent_record(
        site=site, external_id=external_id, choices=choices, source="banner", method="custom", locale="en", **extra
    )
    return subject, receipt


def _state(site, external_id):
    subject = Subject.objects.get(site=site, external_id=external_id)
    return ledger_selectors.subject_state(site=site.key, subject=subject.pseudonym)


def test_it_records_a_lapsed_grant_as_expired(site):
    _choose(site, "visitor-1", {"analytics": True, "marketing": False})

    consent_expire(now=timezone.now() + A_YEAR_LATER)

    analytics = _state(site, "visitor-1")["analytics"]
    assert analytics.granted is False
    assert analytics.kind == "expired"
    assert analytics.source == "system"
    assert not ledger_selectors.states_due_for_expiry(now=timezone.now() + A_YEAR_LATER)


def test_it_leaves_grants_that_have_not_lapsed(site):
    _choose(site, "visitor-1", {"analytics": True})

    assert consent_expire(now=timezone.now() + timedelta(days=30)) == 0

    assert _state(site, "visitor-1")["analytics"].granted is True


def test_it_records_the_expiry_once_however_often_it_runs(site):
    _choose(site, "visitor-1", {"analytics": True})
    later = timezone.now() + A_YEAR_LATER

    first = consent_expire(now=later)
    second = consent_expire(now=later)

    subject = Subject.objects.get(site=site, external_id="visitor-1")
    events = ledger_selectors.subject_events(site=site.key, subject=subject.pseudonym)
    expired = [event for event in events if event.kind == "expired" and event.purpose == "analytics"]
    assert (first, second) == (2, 0)  # analytics and the required purpose recorded with it
    assert len(expired) == 1


def test_it_expires_a_required_purpose_that_cannot_be_refused_by_a_choice(site):
    _choose(site, "visitor-1", {"analytics": True})

    consent_expire(now=timezone.now() + A_YEAR_LATER)

    essential = _state(site, "visitor-1")["essential"]
    assert (essential.granted, essential.kind) == (False, "expired")
    # Expired grants no longer come back in the next batch.
    assert not ledger_selectors.states_due_for_expiry(now=timezone.now() + A_YEAR_LATER)


def test_a_linked_device_expires_on_its_own_and_leaves_its_user_alone(site):
    visitor, _ = _choose(site, "device-1", {"analytics": True})
    user, _ = _choose(site, "user-1", {"marketing": True}, subject_kind=Subject.Kind.USER)
    Subject.objects.filter(pk=visitor.pk).update(linked_to=user)

    consent_expire(now=timezone.now() + A_YEAR_LATER)

    device_state = ledger_selectors.subject_state(site=site.key, subject=visitor.pseudonym)
    user_state = ledger_selectors.subject_state(site=site.key, subject=user.pseudonym)
    assert device_state["analytics"].kind == "expired"
    assert "analytics" not in user_state  # nothing recorded on the user in the device's name
    assert user_state["marketing"].kind == "expired"


def test_it_tells_destinations_with_a_consent_expired_delivery(site, settings):
    settings.ASSENT_ALLOW_PRIVATE_DESTINATIONS = True
    destination, _ = destination_create(site=site, url="http://127.0.0.1:9/hooks", purposes=["analytics"])
    _choose(site, "visitor-1", {"analytics": True})

    consent_expire(now=timezone.now() + A_YEAR_LATER)

    delivery = Delivery.objects.filter(destination=destination).order_by("-id").first()
    assert delivery is not None
    body = json.loads(delivery.body)
    assert delivery.event_type == body["type"] == "consent.expired"
    assert body["data"]["subject"] == "visitor-1"
    assert body["data"]["purposes"]["analytics"]["granted"] is False
    assert body["data"]["changed"] == ["analytics"]


def test_it_tells_no_destination_about_another_sites_expiry(site, outsider_site, settings):
    settings.ASSENT_ALLOW_PRIVATE_DESTINATIONS = True
    theirs, _ = destination_create(site=outsider_site, url="http://127.0.0.1:9/hooks", purposes=[])
    _choose(site, "visitor-1", {"analytics": True})

    consent_expire(now=timezone.now() + A_YEAR_LATER)

    assert not Delivery.objects.filter(destination=theirs).exists()


def test_the_beat_task_is_registered_under_its_scheduled_name(settings):
    scheduled = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert "consent.tasks.consent_expire_due" in scheduled
    assert app.tasks["consent.tasks.consent_expire_due"].name == consent_expire_due.name


def test_the_beat_task_expires_nothing_that_is_still_valid(site):
    _choose(site, "visitor-1", {"analytics": True})

    assert consent_expire_due() == 0


def test_a_linked_devices_expiry_is_told_to_destinations_like_any_other(site, settings):
    settings.ASSENT_ALLOW_PRIVATE_DESTINATIONS = True
    destination, _ = destination_create(site=site, url="http://127.0.0.1:9/hooks", purposes=["analytics"])
    device, _ = _choose(site, "device-1", {"analytics": True})
    user, _ = _choose(site, "user-1", {"marketing": True}, subject_kind=Subject.Kind.USER)
    Subject.objects.filter(pk=device.pk).update(linked_to=user)

    consent_expire(now=timezone.now() + A_YEAR_LATER)

    bodies = [json.loads(d.body) for d in Delivery.objects.filter(destination=destination)]
    told = [b for b in bodies if b["data"]["subject"] == "device-1" and b["type"] == "consent.expired"]
    assert len(told) == 1
    assert told[0]["data"]["purposes"]["analytics"]["granted"] is False


def _orphan_grant(site, name):
    """Grant under a pseudonym no Subject row names (an import straight into the ledger)."""
    ledger_services.event_append(
        site=site.key,
        subject=name,
        decisions={"analytics": True},
        source="import",
        method="import",
        banner_version="",
        locale="",
        known_purposes=["analytics"],
        lifetime=timedelta(days=site.consent_lifetime_days),
    )


def test_grants_nobody_can_name_do_not_stall_the_ones_behind_them(site):
    for n in range(3):
        _orphan_grant(site, f"orphan-{n}")
    _choose(site, "visitor-1", {"analytics": True})  # lapses after every orphan

    consent_expire(now=timezone.now() + A_YEAR_LATER, limit=2)

    assert _state(site, "visitor-1")["analytics"].kind == "expired"


def test_one_run_goes_on_page_after_page_until_every_lapsed_grant_is_expired(site):
    for n in range(5):
        _choose(site, f"visitor-{n}", {"analytics": True})

    expired = consent_expire(now=timezone.now() + A_YEAR_LATER, limit=3)

    assert expired == 10  # analytics and the required purpose, for each of the five
    assert not ledger_selectors.states_due_for_expiry(now=timezone.now() + A_YEAR_LATER)


def test_grants_of_one_subject_split_across_pages_all_expire_and_stay_expired(site):
    _choose(site, "visitor-1", {"analytics": True, "marketing": True, "personalization": True})
    later = timezone.now() + A_YEAR_LATER

    consent_expire(now=later, limit=1)
    consent_expire(now=later, limit=1)

    assert not ledger_selectors.states_due_for_expiry(now=later)
