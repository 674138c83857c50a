"""The webhooks admin: a destination's secret shown once, the guard as a form error, a read-only log, replays."""

import pytest
from django.urls import reverse
from django.utils import timezone

from consent.hooks import services
from consent.hooks.models import Attempt, Delivery, Destination
from consent.services import consent_record

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client(client, owner):
    owner.is_staff = owner.is_superuser = True
    owner.save()
    client.force_login(owner)
    return client


def _add(staff_client, site, **overrides):
    data = {
        "site": site.pk,
        "name": "crm",
        "url": "http://127.0.0.1:9/hook",
        "purposes": '["marketing"]',
        "event_types": ["consent.updated", "consent.expired"],
        "active": "on",
    }
    data.update(overrides)
    return staff_client.post(reverse("admin:hooks_destination_add"), data, follow=True)


def _failed_delivery(site, destination):
    consent_record(
        site=site, external_id="visitor-1", choices={"marketing": True}, source="banner", method="custom", locale="en"
    )
    delivery = Delivery.objects.get(destination=destination)
    Delivery.objects.filter(pk=delivery.pk).update(status=Delivery.Status.FAILED, attempts=8, last_status_code=500)
    Attempt.objects.create(delivery=delivery, number=8, started_at=timezone.now(), latency_ms=12, status_code=500)
    return delivery


def test_adding_a_destination_shows_its_secret_once(staff_client, site, private_allowed):
    page = _add(staff_client, site).content.decode()

    destination = Destination.objects.get()
    assert destination.secret.startswith("whsec_")
    assert destination.secret in page
    assert destination.purposes == ["marketing"]
    change = staff_client.get(reverse("admin:hooks_destination_change", args=[destination.pk])).content.decode()
    assert destination.secret not in change


def test_a_private_address_is_refused_on_the_form(staff_client, site):
    page = _add(staff_client, site, url="https://127.0.0.1/hook").content.decode()

    assert "loopback" in page
    assert not Destination.objects.exists()


def test_an_unknown_purpose_is_refused_on_the_form(staff_client, site, private_allowed):
    page = _add(staff_client, site, purposes='["nonsense"]').content.decode()

    assert "nonsense" in page
    assert not Destination.objects.exists()


def test_rotating_from_the_admin_shows_the_new_secret_and_keeps_the_old(staff_client, site, private_allowed):
    destination, old = services.destination_create(site=site, url="http://127.0.0.1:9/hook", purposes=[])

    page = staff_client.post(
        reverse("admin:hooks_destination_changelist"),
        {"action": "rotate_secret", "_selected_action": [destination.pk]},
        follow=True,
    ).content.decode()

    destination.refresh_from_db()
    assert destination.secret != old
    assert destination.secret in page
    assert [entry["secret"] for entry in destination.retired_secrets] == [old]


def test_the_delivery_log_shows_attempts_and_cannot_be_edited(staff_client, site, private_allowed):
    destination, _ = services.destination_create(site=site, url="http://127.0.0.1:9/hook", purposes=[])
    delivery = _failed_delivery(site, destination)

    listing = staff_client.get(reverse("admin:hooks_delivery_changelist") + "?status__exact=failed")
    page = staff_client.get(reverse("admin:hooks_delivery_change", args=[delivery.pk])).content.decode()

    assert reverse("admin:hooks_delivery_change", args=[delivery.pk]) in listing.content.decode()
    assert delivery.message_id in page
    assert "500" in page
    assert 'name="_save"' not in page
    assert staff_client.get(reverse("admin:hooks_delivery_add")).status_code == 403


def test_replaying_a_failed_delivery_from_the_admin_keeps_its_webhook_id(staff_client, site, private_allowed):
    destination, _ = services.destination_create(site=site, url="http://127.0.0.1:9/hook", purposes=[])
    delivery = _failed_delivery(site, destination)

    staff_client.post(
        reverse("admin:hooks_delivery_changelist"),
        {"action": "replay", "_selected_action": [delivery.pk]},
        follow=True,
    )

    replayed = Delivery.objects.get(pk=delivery.pk)
    assert replayed.status == Delivery.Status.PENDING
    assert replayed.message_id == delivery.message_id
    assert replayed.next_attempt_at <= timezone.now()


def test_replaying_a_destinations_failed_deliveries_from_the_admin(staff_client, site, private_allowed):
    destination, _ = services.destination_create(site=site, url="http://127.0.0.1:9/hook", purposes=[])
    delivery = _failed_delivery(site, destination)

    page = staff_client.post(
        reverse("admin:hooks_destination_changelist"),
        {"action": "replay_failed", "_selected_action": [destination.pk]},
        follow=True,
    ).content.decode()

    assert "1 failed deliveries queued again" in page
    assert Delivery.objects.get(pk=delivery.pk).status == Delivery.Status.PENDING


def test_a_disabled_destination_is_not_replayed_and_the_admin_says_why(staff_client, site, private_allowed):
    destination, _ = services.destination_create(site=site, url="http://127.0.0.1:9/hook", purposes=[])
    delivery = _failed_delivery(site, destination)
    services.destination_disable(destination=destination)

    page = staff_client.post(
        reverse("admin:hooks_destination_changelist"),
        {"action": "replay_failed", "_selected_action": [destination.pk]},
        follow=True,
    ).content.decode()

    assert "disabled" in page
    assert Delivery.objects.get(pk=delivery.pk).status == Delivery.Status.FAILED


def test_enabling_a_disabled_destination_in_the_admin_starts_its_failure_run_afresh(
    staff_client, site, private_allowed
):
    destination, _ = services.destination_create(site=site, url="http://127.0.0.1:9/hook", purposes=["marketing"])
    Destination.objects.filter(pk=destination.pk).update(
        active=False, disabled_reason="failing since more than 5 days", failing_since=timezone.now()
    )

    staff_client.post(
        reverse("admin:hooks_destination_change", args=[destination.pk]),
        {
            "name": "crm",
            "url": "http://127.0.0.1:9/hook",
            "purposes": '["marketing"]',
            "event_types": ["consent.updated"],
            "active": "on",
        },
    )

    destination.refresh_from_db()
    assert destination.active is True
    assert destination.failing_since is None
    assert destination.disabled_reason == ""
    assert destination.event_types == ["consent.updated"]


def _cookies_text(response):
    return " ".join(morsel.value for morsel in response.cookies.values())


def test_a_new_secret_never_travels_in_a_cookie_and_is_shown_once(staff_client, site, private_allowed):
    data = {"site": site.pk, "name": "crm", "url": "http://127.0.0.1:9/hook", "purposes": "[]"}
    data |= {"event_types": ["consent.updated"], "active": "on"}
    added = staff_client.post(reverse("admin:hooks_destination_add"), data)
    secret = Destination.objects.get().secret

    assert secret not in _cookies_text(added)
    assert "messages" not in added.cookies
    assert secret in staff_client.get(added["Location"]).content.decode()
    assert secret not in staff_client.get(added["Location"]).content.decode()


def test_a_rotated_secret_never_travels_in_a_cookie(staff_client, site, private_allowed):
    destination, _ = services.destination_create(site=site, url="http://127.0.0.1:9/hook", purposes=[])
    rotated = staff_client.post(
        reverse("admin:hooks_destination_changelist"), {"action": "rotate_secret", "_selected_action": [destination.pk]}
    )
    destination.refresh_from_db()

    assert destination.secret not in _cookies_text(rotated)
    assert "messages" not in rotated.cookies  # signed and compressed there, yet readable by anyone holding it
    assert destination.secret in staff_client.get(rotated["Location"]).content.decode()
