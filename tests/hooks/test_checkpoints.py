"""ledger.checkpoint: each new signed checkpoint of a site is sent once to each destination that wants it."""

import json

from consent.hooks import services
from consent.hooks.models import Delivery
from consent.services import consent_record
from ledger import selectors as ledger_selectors
from ledger import services as ledger_services


def _choose_and_sign(site, external_id):
    consent_record(
        site=site, external_id=external_id, choices={"analytics": True}, source="api", method="api", locale="en"
    )
    ledger_services.log_integrate(site=site.key, checkpoint_force=True)


def test_it_announces_a_new_checkpoint_once_to_each_destination_that_wants_it(site, private_allowed):
    wants, _ = services.destination_create(
        site=site, url="http://127.0.0.1:9/a", purposes=[], event_types=["ledger.checkpoint"]
    )
    services.destination_create(site=site, url="http://127.0.0.1:9/b", purposes=[], event_types=["consent.updated"])
    _choose_and_sign(site, "visitor-1")

    assert services.checkpoints_announce() == 1
    assert services.checkpoints_announce() == 0

    delivery = Delivery.objects.get(event_type="ledger.checkpoint")
    body = json.loads(delivery.body)
    latest = ledger_selectors.checkpoint_latest(site=site.key)
    assert delivery.destination == wants
    assert body["data"]["note"] == latest.note
    assert body["data"]["size"] == body["data"]["sequence"] == latest.size


def test_a_later_checkpoint_is_announced_again(site, private_allowed):
    services.destination_create(site=site, url="http://127.0.0.1:9/a", purposes=[], event_types=["ledger.checkpoint"])
    _choose_and_sign(site, "visitor-1")
    services.checkpoints_announce()
    _choose_and_sign(site, "visitor-2")

    assert services.checkpoints_announce() == 1
    sizes = [json.loads(d.body)["data"]["size"] for d in Delivery.objects.order_by("id")]
    assert sizes[0] < sizes[1]


def test_a_new_destination_does_not_get_the_sites_past_checkpoints(site, private_allowed):
    _choose_and_sign(site, "visitor-1")
    services.destination_create(site=site, url="http://127.0.0.1:9/a", purposes=[], event_types=["ledger.checkpoint"])

    assert services.checkpoints_announce() == 0
