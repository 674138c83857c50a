"""Sending one delivery in-process against a real receiver: signatures, outcomes, retries, disabling, replay."""

import json
from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from consent.hooks import delivery as sending
from consent.hooks import services, signing
from consent.hooks.models import Attempt, Delivery, Destination
from consent.services import consent_record


@pytest.fixture
def destination(site, receiver, private_allowed):
    created, secret = services.destination_create(site=site, url=receiver.url, purposes=[])
    receiver.secret = secret
    return created


def _record(site, external_id="visitor-1", **choices):
    consent_record(
        site=site,
        external_id=external_id,
        choices=choices or {"analytics": True},
        source="api",
        method="api",
        locale="en",
    )
    return Delivery.objects.order_by("-id").first()


def test_a_delivery_verifies_with_the_standard_webhooks_library(site, destination, receiver):
    queued = _record(site)
    assert sending.delivery_attempt(queued.pk) == "delivered"
    assert receiver.rejected == 0
    [request] = receiver.requests
    assert request["headers"]["webhook-id"] == queued.message_id
    assert request["payload"] == json.loads(queued.body)
    queued.refresh_from_db()
    assert (queued.status, queued.last_status_code, queued.attempts) == ("delivered", 200, 1)


def test_a_wrong_secret_or_a_stale_timestamp_would_not_verify(site, destination, receiver):
    sending.delivery_attempt(_record(site).pk)
    [request] = receiver.requests
    with pytest.raises(WebhookVerificationError):
        Webhook(signing.secret_generate()).verify(request["body"], request["headers"])
    stale = int((timezone.now() - timedelta(minutes=10)).timestamp())
    message_id = request["headers"]["webhook-id"]
    body = request["body"].decode()
    headers = signing.headers(secrets=[receiver.secret], message_id=message_id, timestamp=stale, body=body)
    with pytest.raises(WebhookVerificationError):
        Webhook(receiver.secret).verify(request["body"], headers)


def test_both_secrets_sign_during_the_rotation_grace(site, destination, receiver):
    old = receiver.secret
    new = services.destination_secret_rotate(destination=destination)
    sending.delivery_attempt(_record(site).pk)
    [request] = receiver.requests
    assert len(request["headers"]["webhook-signature"].split(" ")) == 2
    Webhook(old).verify(request["body"], request["headers"])
    Webhook(new).verify(request["body"], request["headers"])


def test_it_records_every_attempt_and_retries_a_5xx_with_backoff(site, destination, receiver):
    receiver.status = 503
    queued = _record(site)
    before = timezone.now()
    assert sending.delivery_attempt(queued.pk) == "retrying"
    queued.refresh_from_db()
    assert queued.status == "pending"
    assert timedelta(seconds=4) <= queued.next_attempt_at - before <= timedelta(seconds=7)
    assert sending.delivery_attempt(queued.pk) == "not due"  # not before its time
    Delivery.objects.filter(pk=queued.pk).update(next_attempt_at=timezone.now())
    receiver.status = 200
    assert sending.delivery_attempt(queued.pk) == "delivered"
    attempts = list(Attempt.objects.filter(delivery=queued).values_list("number", "status_code"))
    assert attempts == [(1, 503), (2, 200)]
    assert Destination.objects.get(pk=destination.pk).failing_since is None


def test_it_gives_up_after_the_last_backoff_step(site, destination, receiver):
    receiver.status = 500
    queued = _record(site)
    for _ in range(len(sending.BACKOFF) + 1):
        Delivery.objects.filter(pk=queued.pk).update(next_attempt_at=timezone.now())
        sending.delivery_attempt(queued.pk)
    queued.refresh_from_db()
    assert (queued.status, queued.attempts) == ("failed", len(sending.BACKOFF) + 1)


def test_a_410_disables_the_destination(site, destination, receiver):
    receiver.status = 410
    queued = _record(site)
    assert sending.delivery_attempt(queued.pk) == "failed"
    destination.refresh_from_db()
    assert not destination.active
    assert "410" in destination.disabled_reason


def test_a_destination_failing_for_five_days_is_disabled_and_its_owners_told(site, destination, receiver, owner):
    receiver.status = 503
    Destination.objects.filter(pk=destination.pk).update(failing_since=timezone.now() - timedelta(days=5, minutes=1))
    with pytest.MonkeyPatch.context() as patch:
        # on_commit never fires inside the test's transaction: run the e-mail at once.
        patch.setattr("django.db.transaction.on_commit", lambda callback, using=None, robust=False: callback())
        sending.delivery_attempt(_record(site).pk)
    destination.refresh_from_db()
    assert not destination.active
    assert [message.to for message in mail.outbox] == [[owner.username]]


def test_a_failed_delivery_is_replayed_with_the_same_webhook_id(site, destination, receiver):
    receiver.status = 500
    queued = _record(site)
    Delivery.objects.filter(pk=queued.pk).update(status="failed")
    receiver.status = 200
    services.delivery_replay(delivery=queued)
    assert sending.delivery_attempt(queued.pk) == "delivered"
    assert receiver.requests[-1]["headers"]["webhook-id"] == queued.message_id


def test_replaying_failed_deliveries_in_bulk_resends_only_the_failed(site, destination, receiver):
    first, second = _record(site, "a"), _record(site, "b")
    Delivery.objects.filter(pk=first.pk).update(status="failed")
    Delivery.objects.filter(pk=second.pk).update(status="delivered")
    assert services.deliveries_replay_failed(destination=destination) == 1
    assert Delivery.objects.get(pk=first.pk).status == "pending"
    assert Delivery.objects.get(pk=second.pk).status == "delivered"


def test_a_receiver_that_keeps_the_highest_sequence_ends_right_whatever_the_order(site, destination, receiver):
    deliveries = [_record(site, "visitor-1", analytics=granted) for granted in (True, False, True, False)]
    for queued in reversed(deliveries):
        sending.delivery_attempt(queued.pk)
    sequence, purposes = receiver.latest["visitor-1"]
    assert sequence == 4
    assert purposes["analytics"]["granted"] is False


def test_a_disabled_destination_is_not_sent_to(site, destination, receiver):
    queued = _record(site)
    services.destination_disable(destination=destination)
    assert sending.delivery_attempt(queued.pk) == "failed"
    assert receiver.requests == []
