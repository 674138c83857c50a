"""What destinations hear from account settings: a withdrawal (and who confirmed it), and an erasure."""

import json

import pytest
from django.test import Client

from consent.accounts import services
from consent.accounts.models import AccountBinding
from consent.hooks.delivery import delivery_attempt
from consent.hooks.models import Delivery
from consent.hooks.services import destination_create
from consent.models import Subject
from tests.hooks.receiver import Receiver

pytestmark = pytest.mark.django_db
PASSWORD = "password-for-tests"  # the factories' password


@pytest.fixture
def receiver(settings):
    """A real HTTP receiver on 127.0.0.1 that verifies Standard Webhooks signatures."""
    settings.ASSENT_ALLOW_PRIVATE_DESTINATIONS = True
    server = Receiver().start()
    yield server
    server.stop()


@pytest.fixture
def crm(site, receiver):
    destination, secret = destination_create(site=site, url=receiver.url, purposes=["marketing"], name="CRM")
    receiver.secret = secret
    return destination


def test_a_withdrawal_is_delivered_and_the_page_says_who_confirmed_it(site, owner, crm, receiver, choose):
    choose(site, owner.username, {"marketing": True}, subject_kind=Subject.Kind.USER)
    AccountBinding.objects.create(user=owner, site=site, external_id=owner.username)
    client = Client()
    client.login(username=owner.username, password=PASSWORD)
    for delivery in Delivery.objects.all():
        delivery_attempt(delivery.pk)

    client.post(f"/account/privacy/{site.key}/choices", {})
    page = client.get("/account/privacy/").content.decode()
    assert "CRM has not confirmed it yet." in page

    withdrawal = Delivery.objects.order_by("-id").first()
    assert delivery_attempt(withdrawal.pk) == "delivered"

    payload = receiver.requests[-1]["payload"]
    assert payload["type"] == "consent.updated"
    assert payload["data"]["subject"] == owner.username
    assert payload["data"]["purposes"]["marketing"]["granted"] is False
    page = client.get("/account/privacy/").content.decode()
    assert "CRM confirmed it on" in page


def test_an_erasure_tells_destinations_the_id_to_erase(site, crm, receiver, choose):
    choose(site, "user-1", {"marketing": True}, subject_kind=Subject.Kind.USER)

    services.subject_erase(site=site, external_id="user-1", kind=Subject.Kind.USER, source="api")

    erased = Delivery.objects.get(event_type="subject.erased")
    assert delivery_attempt(erased.pk) == "delivered"
    payload = receiver.requests[-1]["payload"]
    assert payload["type"] == "subject.erased"
    assert payload["data"]["subject"] == "user-1"
    assert json.loads(erased.body)["data"]["receipt"]
