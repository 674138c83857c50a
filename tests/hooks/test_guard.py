"""The SSRF guard: https only, and no loopback, private, link-local or metadata address, at save and at send."""

import socket

import pytest

from consent.hooks import delivery as sending
from consent.hooks import guard, services
from consent.hooks.errors import DestinationInputError
from consent.hooks.models import Delivery, Destination
from consent.services import consent_record

FORBIDDEN = {
    "loopback": "https://127.0.0.1/hook",
    "loopback elsewhere in 127/8": "https://127.1.2.3/hook",
    "IPv6 loopback": "https://[::1]/hook",
    "private 10/8": "https://10.0.0.7/hook",
    "private 172.16/12": "https://172.16.5.4/hook",
    "private 192.168/16": "https://192.168.1.1/hook",
    "IPv6 unique local": "https://[fd12:3456::1]/hook",
    "link-local": "https://169.254.10.10/hook",
    "IPv6 link-local": "https://[fe80::1]/hook",
    "cloud metadata": "https://169.254.169.254/latest/meta-data/",
    "AWS IPv6 metadata": "https://[fd00:ec2::254]/hook",
    "carrier-grade NAT": "https://100.64.0.1/hook",
    "unspecified": "https://0.0.0.0/hook",
    "IPv4-mapped loopback": "https://[::ffff:127.0.0.1]/hook",
    "6to4 of loopback": "https://[2002:7f00:1::1]/hook",
    "6to4 of a private address": "https://[2002:a00:7::]/hook",
    "6to4 of the metadata service": "https://[2002:a9fe:a9fe::]/hook",
    "Teredo to a private client": "https://[2001:0:5db8:d822:0:ffff:f5ff:fff8]/hook",
    "NAT64 of loopback": "https://[64:ff9b::7f00:1]/hook",
    "NAT64 of the metadata service": "https://[64:ff9b::a9fe:a9fe]/hook",
    "local-use NAT64": "https://[64:ff9b:1::5db8:d822]/hook",
    "IPv4-compatible loopback": "https://[::7f00:1]/hook",
    "IPv4-compatible private": "https://[::c0a8:101]/hook",
    "a name that resolves to loopback": "https://localhost/hook",
}


@pytest.mark.parametrize("url", FORBIDDEN.values(), ids=FORBIDDEN.keys())
def test_it_refuses_each_forbidden_address_class(site, url):
    with pytest.raises(DestinationInputError) as caught:
        services.destination_create(site=site, url=url, purposes=[])
    assert caught.value.field == "url"
    assert not Destination.objects.exists()


EMBEDDING_A_PUBLIC_ADDRESS = {
    "IPv4-mapped": "::ffff:93.184.216.34",
    "6to4": "2002:5db8:d822::1",
    "NAT64": "64:ff9b::5db8:d822",
    "IPv4-compatible": "::5db8:d822",
}


@pytest.mark.parametrize("address", EMBEDDING_A_PUBLIC_ADDRESS.values(), ids=EMBEDDING_A_PUBLIC_ADDRESS.keys())
def test_an_ipv6_transition_address_is_judged_by_the_ipv4_address_it_embeds(address):
    assert guard.address_refusal(address) is None


def test_a_refusal_names_the_embedded_address():
    assert guard.address_refusal("2002:7f00:1::1") == "2002:7f00:1::1 embeds 127.0.0.1; 127.0.0.1 is a loopback address"


def test_it_refuses_plain_http(site):
    with pytest.raises(DestinationInputError, match="https"):
        services.destination_create(site=site, url="http://93.184.216.34/hook", purposes=[])


def test_it_refuses_credentials_in_the_url(site):
    with pytest.raises(DestinationInputError, match="password"):
        services.destination_create(site=site, url="https://user:pw@93.184.216.34/hook", purposes=[])


def test_it_accepts_a_public_https_address(site):
    destination, _ = services.destination_create(site=site, url="https://93.184.216.34/hook", purposes=[])
    assert destination.url == "https://93.184.216.34/hook"


def test_it_allows_private_targets_only_when_the_setting_says_so(site, private_allowed):
    destination, _ = services.destination_create(site=site, url="http://127.0.0.1:9/hook", purposes=[])
    assert destination.pk


def test_it_checks_again_at_send_time_so_dns_rebinding_is_refused(site, monkeypatch):
    answers = iter(["93.184.216.34", "127.0.0.1"])

    def resolve(host, port, *args, **kwargs):
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (next(answers), port))]

    # DNS lies outside the system: the first answer is public (at save), the second loopback (at send).
    monkeypatch.setattr(guard.socket, "getaddrinfo", resolve)
    services.destination_create(site=site, url="https://hooks.example.com/in", purposes=[])
    consent_record(site=site, external_id="v", choices={"analytics": True}, source="api", method="api", locale="en")
    queued = Delivery.objects.get()

    assert sending.delivery_attempt(queued.pk) == "failed"

    queued.refresh_from_db()
    assert queued.last_error.startswith(
        "refused: hooks.example.com resolves to a forbidden address: 127.0.0.1 is a loopback address"
    )
    assert queued.attempt_rows.get().status_code is None
