"""The one admission guard: the site's budget is charged only for valid writes; sign-ins are limited."""

import pytest
from django.test import Client, override_settings

from tests.banner.ledger_reads import event_count
from tests.edge.conftest import CONSENTS, consent_body
from tests.edge.test_outages import own_redis  # noqa: F401  (the fixture: a Redis of the test's own)
from tests.factories import visitor_id

pytestmark = pytest.mark.django_db


@override_settings(ASSENT_PUBLIC_RATE_PER_SITE=2)
@pytest.mark.parametrize("counters", ["process memory", "redis"])
def test_junk_from_many_addresses_does_not_use_up_the_sites_budget(request, site, counters):
    if counters == "redis":  # charged up front in the client's round trip, then given back
        request.getfixturevalue("own_redis")
    client = Client()
    for n in range(5):
        junk = client.post(
            CONSENTS,
            consent_body(site, method="nonsense"),
            content_type="application/json",
            REMOTE_ADDR=f"203.0.113.{n}",
        )
        assert junk.status_code == 400
    good = [
        client.post(
            CONSENTS,
            consent_body(site, subject=f"v-{n}"),
            content_type="application/json",
            REMOTE_ADDR=f"198.51.100.{n}",
        ).status_code
        for n in range(3)
    ]
    assert good == [201, 201, 429]


@override_settings(ASSENT_PUBLIC_RATE_PER_SITE=1)
def test_identify_is_admitted_by_the_same_guard_and_charges_the_site_only_when_valid(site):
    client = Client()
    url = "/api/v1/public/sites/acme/identify"
    for n in range(3):
        bad = client.post(url, {"subject": "v"}, content_type="application/json", REMOTE_ADDR=f"203.0.113.{n}")
        assert bad.status_code == 400
    body = {"subject": visitor_id("v"), "user": "u", "token": "1." + "0" * 64}
    first = client.post(url, body, content_type="application/json", REMOTE_ADDR="198.51.100.1")
    second = client.post(url, body, content_type="application/json", REMOTE_ADDR="198.51.100.2")
    assert first.status_code == 403  # a valid body with a forged token: admitted, then refused by the service
    assert second.status_code == 429


@override_settings(ASSENT_PUBLIC_RATE_PER_CLIENT=2)
def test_the_admin_sign_in_is_rate_limited_per_client(owner):
    client = Client()
    statuses = [
        client.post("/admin/login/", {"username": "owner@example.com", "password": f"guess-{n}"}).status_code
        for n in range(3)
    ]
    assert statuses == [200, 200, 429]
    assert client.get("/admin/login/").status_code == 200  # reading the form costs nothing
    other = Client().post("/admin/login/", {"username": "x", "password": "y"}, REMOTE_ADDR="198.51.100.7")
    assert other.status_code == 200


def test_a_refused_write_records_nothing(site):
    events = event_count()
    response = Client().post(CONSENTS, consent_body(site, choices=[]), content_type="application/json")
    assert response.status_code == 400
    assert event_count() == events
