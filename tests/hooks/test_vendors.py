"""Webhook bodies carry per-vendor decisions, nested under their purpose; a vendor's change is its purpose's."""

import json

from consent.hooks import services
from consent.hooks.models import Delivery
from tests.consent.test_vendors import choose, vendors_enable


def test_the_body_nests_vendor_decisions_under_their_purpose(site, private_allowed):
    vendors_enable(site)
    services.destination_create(site=site, url="http://127.0.0.1:9/a", purposes=[])
    choose(site, "visitor-1", {"analytics": True, "analytics:ga": True, "analytics:hotjar-ltd": False})
    data = json.loads(Delivery.objects.get().body)["data"]
    assert sorted(data["purposes"]) == ["analytics", "essential"]
    vendors = data["purposes"]["analytics"]["vendors"]
    assert vendors["ga"]["granted"] is True
    assert vendors["hotjar-ltd"] == {
        "granted": False,
        "since": vendors["hotjar-ltd"]["since"],
        "kind": "opted_out",
    }
    assert sorted(data["changed"]) == ["analytics", "analytics:ga", "analytics:hotjar-ltd", "essential"]


def test_a_destination_of_the_purpose_hears_of_a_vendor_changing_alone(site, private_allowed):
    vendors_enable(site)
    services.destination_create(site=site, url="http://127.0.0.1:9/a", purposes=["analytics"])
    services.destination_create(site=site, url="http://127.0.0.1:9/b", purposes=["marketing"])
    choose(site, "visitor-1", {"analytics": True})
    choose(site, "visitor-1", {"analytics:ga": False})
    bodies = [json.loads(d.body)["data"] for d in Delivery.objects.order_by("id")]
    assert [sorted(b["changed"]) for b in bodies] == [["analytics", "essential"], ["analytics:ga"]]
    assert bodies[1]["purposes"]["analytics"]["vendors"]["ga"]["granted"] is False
