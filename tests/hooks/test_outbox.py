"""The outbox: a recorded choice writes one delivery per matching destination in its own transaction."""

import json

from consent.hooks import services
from consent.hooks.models import Delivery
from consent.services import consent_record


def _record(site, external_id, **choices):
    return consent_record(site=site, external_id=external_id, choices=choices, source="api", method="api", locale="en")


def test_it_queues_one_delivery_per_matching_destination(site, private_allowed, django_capture_on_commit_callbacks):
    services.destination_create(site=site, url="http://127.0.0.1:9/a", purposes=["analytics"])
    services.destination_create(site=site, url="http://127.0.0.1:9/b", purposes=[])
    services.destination_create(site=site, url="http://127.0.0.1:9/c", purposes=["marketing"])
    with django_capture_on_commit_callbacks() as callbacks:
        _record(site, "visitor-1", analytics=True)
    assert Delivery.objects.count() == 2
    assert len(callbacks) == 1


def test_the_payload_carries_the_whole_state_the_subject_the_customer_knows_and_a_sequence(site, private_allowed):
    services.destination_create(site=site, url="http://127.0.0.1:9/a", purposes=[])
    _record(site, "visitor-1", analytics=True)
    _, receipt = _record(site, "visitor-1", analytics=False, marketing=True)
    body = json.loads(Delivery.objects.order_by("-id").first().body)
    assert body["type"] == "consent.updated"
    assert body["data"]["subject"] == "visitor-1"
    assert body["data"]["purposes"]["analytics"]["granted"] is False
    assert body["data"]["purposes"]["marketing"]["granted"] is True
    assert body["data"]["purposes"]["essential"]["granted"] is True
    assert sorted(body["data"]["changed"]) == ["analytics", "marketing"]
    assert body["data"]["receipt"] == receipt.id
    assert body["data"]["source"] == "api"
    assert [json.loads(d.body)["data"]["sequence"] for d in Delivery.objects.order_by("id")] == [1, 2]


def test_it_queues_nothing_when_no_destination_wants_the_purpose(site, private_allowed):
    services.destination_create(site=site, url="http://127.0.0.1:9/a", purposes=["marketing"])
    _record(site, "visitor-1", analytics=True)
    assert not Delivery.objects.exists()


def test_it_queues_nothing_for_a_disabled_destination(site, private_allowed):
    destination, _ = services.destination_create(site=site, url="http://127.0.0.1:9/a", purposes=[])
    services.destination_disable(destination=destination)
    _record(site, "visitor-1", analytics=True)
    assert not Delivery.objects.exists()


def test_it_queues_nothing_for_another_sites_destination(site, outsider_site, private_allowed):
    services.destination_create(site=outsider_site, url="http://127.0.0.1:9/a", purposes=[])
    _record(site, "visitor-1", analytics=True)
    assert not Delivery.objects.exists()
