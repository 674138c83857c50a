"""The client address: X-Forwarded-For believed only as far as trusted proxies vouch for it."""

import ipaddress

import pytest
from django.test import Client, RequestFactory, override_settings

from consent.edge.address import client_address, client_key
from tests.banner.ledger_reads import evidence_of
from tests.edge.conftest import CONSENTS, consent_body
from tests.factories import visitor_id

LB = "10.0.0.5"


def _address(remote: str, forwarded: str | None = None) -> str:
    headers = {"HTTP_X_FORWARDED_FOR": forwarded} if forwarded is not None else {}
    return client_address(RequestFactory().get("/", REMOTE_ADDR=remote, **headers))


def test_by_default_it_trusts_no_proxy_and_ignores_the_header():
    assert _address("203.0.113.9", "198.51.100.1") == "203.0.113.9"


@override_settings(ASSENT_TRUSTED_PROXY_COUNT=1)
def test_behind_one_proxy_the_client_is_the_entry_it_appended():
    assert _address(LB, "198.51.100.1") == "198.51.100.1"


@override_settings(ASSENT_TRUSTED_PROXY_COUNT=1)
def test_a_forged_leftmost_entry_is_not_believed():
    assert _address(LB, "1.2.3.4, 198.51.100.1") == "198.51.100.1"


@override_settings(ASSENT_TRUSTED_PROXIES=[ipaddress.ip_network("10.0.0.0/8")])
def test_trusted_networks_are_skipped_from_the_right_until_an_untrusted_hop():
    assert _address(LB, "1.2.3.4, 198.51.100.1, 10.1.2.3") == "198.51.100.1"
    # A peer outside the trusted networks is the client, whatever it claims.
    assert _address("203.0.113.9", "198.51.100.1") == "203.0.113.9"


@override_settings(ASSENT_TRUSTED_PROXY_COUNT=2)
def test_when_every_hop_is_trusted_it_settles_on_the_leftmost_one():
    assert _address(LB, "198.51.100.1") == "198.51.100.1"
    assert _address(LB) == LB


@override_settings(ASSENT_TRUSTED_PROXY_COUNT=1)
def test_garbage_from_a_trusted_proxy_falls_back_to_that_proxy():
    assert _address(LB, "not-an-address") == LB


@override_settings(ASSENT_TRUSTED_PROXY_COUNT=1)
def test_ipv6_clients_are_limited_per_slash_64():
    request = RequestFactory().get("/", REMOTE_ADDR=LB, HTTP_X_FORWARDED_FOR="[2001:db8:1:2:aaaa::1]:5000")
    assert client_key(request) == "2001:db8:1:2::"


@pytest.mark.django_db
@override_settings(ASSENT_TRUSTED_PROXY_COUNT=1, ASSENT_PUBLIC_RATE_PER_CLIENT=1)
def test_behind_a_load_balancer_each_visitor_has_a_bucket_and_their_own_evidence(site):
    client = Client()

    def post(visitor: str, subject: str):
        return client.post(
            CONSENTS,
            consent_body(site, subject=subject),
            content_type="application/json",
            REMOTE_ADDR=LB,
            HTTP_X_FORWARDED_FOR=f"6.6.6.6, {visitor}",
        )

    assert post("198.51.100.1", "visitor-a").status_code == 201
    assert post("198.51.100.2", "visitor-b").status_code == 201
    assert post("198.51.100.1", "visitor-c").status_code == 429
    assert evidence_of(site, visitor_id("visitor-b"))["ip"] == "198.51.100.0"


@pytest.mark.django_db
@override_settings(ASSENT_PUBLIC_RATE_PER_CLIENT=1)
def test_with_no_trusted_proxy_a_forged_header_does_not_buy_a_new_bucket(site):
    client = Client()
    statuses = [
        client.post(
            CONSENTS,
            consent_body(site, subject=f"visitor-{n}"),
            content_type="application/json",
            REMOTE_ADDR="203.0.113.9",
            HTTP_X_FORWARDED_FOR=f"198.51.100.{n}",
        ).status_code
        for n in range(2)
    ]
    assert statuses == [201, 429]
