"""dsr.* webhooks: each step of a request reaches the destinations that subscribed, signed, through the outbox."""

import json
from datetime import timedelta

import pytest
from django.utils import timezone

from consent.accounts.services import subject_erase
from consent.dsr import services
from consent.dsr.models import DataSubjectRequest
from consent.hooks import delivery as sending
from consent.hooks import services as hooks_services
from consent.hooks.models import DSR_EVENT_TYPES, Delivery
from consent.models import Subject
from consent.services import consent_record
from tests.dsr.conftest import path_of, verify_link
from tests.hooks.receiver import Receiver


@pytest.fixture
def receiver():
    running = Receiver().start()
    try:
        yield running
    finally:
        running.stop()


@pytest.fixture
def subscribed(site, receiver, settings):
    settings.ASSENT_ALLOW_PRIVATE_DESTINATIONS = True
    created, secret = hooks_services.destination_create(
        site=site, url=receiver.url, purposes=[], event_types=sorted(DSR_EVENT_TYPES)
    )
    receiver.secret = secret
    return created


@pytest.fixture
def unsubscribed(site, receiver, settings):
    settings.ASSENT_ALLOW_PRIVATE_DESTINATIONS = True
    created, _ = hooks_services.destination_create(site=site, url=receiver.url + "/consent-only", purposes=[])
    return created


def _messages(destination):
    return [json.loads(d.body) for d in Delivery.objects.filter(destination=destination).order_by("id")]


def _confirm(client, dsr: DataSubjectRequest) -> DataSubjectRequest:
    assert client.post(path_of(verify_link("ann@example.net"))).status_code == 200
    dsr.refresh_from_db()
    return dsr


def test_a_subscribed_destination_hears_each_step_of_an_erasure_and_an_unsubscribed_one_nothing(
    client, site, file_request, subscribed, unsubscribed
):
    consent_record(
        site=site,
        external_id="user-1",
        choices={"analytics": True},
        source="api",
        method="api",
        locale="en",
        subject_kind=Subject.Kind.USER,
    )
    Delivery.objects.all().delete()  # the consent message is not what this test is about
    dsr = file_request(right="erasure", jurisdiction="eu", customer_id="user-1")
    dsr = _confirm(client, dsr)
    services.request_extend(request=dsr, reason="Backups to check.", actor="operator:owner")
    services.request_fulfil(request=dsr, actor="operator:owner")

    messages = _messages(subscribed)
    assert [m["type"] for m in messages] == [
        "dsr.received",
        "dsr.verified",
        "dsr.erasure_requested",
        "dsr.extended",
        "dsr.fulfilled",
    ]
    dsr.refresh_from_db()
    last = messages[-1]["data"]
    assert last["request"] == str(dsr.id)
    assert last["right"] == "erasure"
    assert last["jurisdiction"] == "eu"
    assert last["status"] == "fulfilled"
    assert last["site"] == site.key
    assert last["due_at"] == dsr.due_at.isoformat()
    assert last["closed_at"] == dsr.closed_at.isoformat()
    assert messages[2]["data"]["customer_id"] == "user-1"  # so downstream can find the person
    assert [m["data"]["sequence"] for m in messages] == sorted({m["data"]["sequence"] for m in messages})
    assert "ann@example.net" not in json.dumps(messages)  # the requester's address never leaves
    assert [m["type"] for m in _messages(unsubscribed)] == ["subject.erased"]  # its own subscription only


def test_refusal_and_expiry_are_announced_and_a_request_without_customer_id_names_no_one(
    client, site, file_request, subscribed
):
    refused = file_request(right="objection", customer_id="")
    refused = _confirm(client, refused)
    services.request_refuse(request=refused, reason="No such account.", actor="operator:owner")
    expiring = file_request(right="access", customer_id="user-2")
    services.requests_expire_unverified(now=timezone.now() + timedelta(days=2))

    types = [(m["type"], m["data"]["request"]) for m in _messages(subscribed)]
    assert types == [
        ("dsr.received", str(refused.id)),
        ("dsr.verified", str(refused.id)),
        ("dsr.objection", str(refused.id)),
        ("dsr.refused", str(refused.id)),
        ("dsr.received", str(expiring.id)),
        ("dsr.expired", str(expiring.id)),
    ]
    about_refused = [m for m in _messages(subscribed) if m["data"]["request"] == str(refused.id)]
    assert all("customer_id" not in m["data"] for m in about_refused)
    expired = _messages(subscribed)[-1]["data"]
    assert "customer_id" not in expired  # wiped with the request's personal fields


def test_an_agents_request_is_propagated_only_once_its_authority_is_accepted(client, site, file_request, subscribed):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from tests.dsr.conftest import PDF

    dsr = file_request(
        right="opt_out_sale_share",
        customer_id="user-3",
        agent_name="Agency",
        agent_email="agent@example.org",
        agent_proof=SimpleUploadedFile("proof.pdf", PDF, content_type="application/pdf"),
    )
    assert client.post(path_of(verify_link("ann@example.net"))).status_code == 200
    dsr.refresh_from_db()
    assert "dsr.opt_out_requested" not in [m["type"] for m in _messages(subscribed)]
    services.request_proof_decide(request=dsr, accepted=True, actor="operator:owner")
    assert [m["type"] for m in _messages(subscribed)][-1] == "dsr.opt_out_requested"


def test_a_dsr_message_is_signed_delivered_and_then_forgets_the_customer(
    client, site, file_request, subscribed, receiver
):
    dsr = file_request(right="access", customer_id="user-1")
    queued = Delivery.objects.get(destination=subscribed, event_type="dsr.received")

    assert sending.delivery_attempt(queued.pk) == "delivered"

    received = receiver.requests[-1]["payload"]  # verified against the destination's secret
    assert received["type"] == "dsr.received"
    assert received["data"]["customer_id"] == "user-1"
    assert received["data"]["request"] == str(dsr.id)
    queued.refresh_from_db()
    stored = json.loads(queued.body)
    assert stored["redacted"] is True
    assert "customer_id" not in stored["data"]
    assert stored["data"]["request"] == str(dsr.id)


def test_erasure_strips_delivered_dsr_messages_and_still_sends_the_erasure_request(
    client, site, file_request, subscribed, receiver
):
    consent_record(
        site=site,
        external_id="user-1",
        choices={"analytics": True},
        source="api",
        method="api",
        locale="en",
        subject_kind=Subject.Kind.USER,
    )
    dsr = _confirm(client, file_request(right="erasure", customer_id="user-1"))
    received = Delivery.objects.get(destination=subscribed, event_type="dsr.received")
    assert sending.delivery_attempt(received.pk) == "delivered"
    waiting = Delivery.objects.get(destination=subscribed, event_type="dsr.erasure_requested")

    subject_erase(site=site, external_id="user-1", source="api")

    received.refresh_from_db()
    assert received.subject_key == ""
    assert "user-1" not in received.body
    waiting.refresh_from_db()
    assert waiting.status == Delivery.Status.PENDING  # downstream still has to hear whom to erase
    assert waiting.subject_key == ""
    assert sending.delivery_attempt(waiting.pk) == "delivered"
    assert receiver.requests[-1]["payload"]["data"]["customer_id"] == "user-1"
    waiting.refresh_from_db()
    assert "user-1" not in waiting.body
    assert dsr.pk
