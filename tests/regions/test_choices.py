"""Each choice records the regulation it was made under and where the server placed the visitor."""

import json

import pytest

from consent.banner.selectors import version_latest
from tests.banner.ledger_reads import event_count, events_of, evidence_of

pytestmark = pytest.mark.django_db

CONSENTS = "/api/v1/public/sites/demo/consents"
VISITOR = "0123456789abcdef0123456789abcdef"


@pytest.fixture
def cloudflare(settings):
    settings.ASSENT_REGION_HEADERS = "cloudflare"


def _post(client, demo_site, **fields):
    body = {
        "subject": VISITOR,
        "choices": {"advertising": True, "marketing": True},
        "banner_version": version_latest(site=demo_site).content_hash,
        "method": "custom",
        "locale": "en",
        **fields,
    }
    return client.post(
        CONSENTS, body, content_type="application/json", HTTP_CF_IPCOUNTRY="US", HTTP_CF_REGION_CODE="CA"
    )


def test_a_choice_records_its_regulation_and_the_region_signal(client, demo_site, cloudflare):
    response = _post(client, demo_site, regulation="us-ca", choices={"advertising": False}, method="custom")
    assert response.status_code == 201, response.content
    events = events_of(demo_site, VISITOR)
    assert events
    assert {event.jurisdiction for event in events} == {"us-ca"}
    assert evidence_of(demo_site, VISITOR)["region"] == {
        "country": "US",
        "subdivision": "US-CA",
        "source": "header:cloudflare",
    }


def test_a_default_under_an_opt_out_law_is_recorded_as_a_default_not_an_opt_in(client, demo_site, cloudflare):
    assert _post(client, demo_site, regulation="us-ca", method="default").status_code == 201
    defaults = {event.purpose: event.kind for event in events_of(demo_site, VISITOR)}
    assert defaults["advertising"] == "defaulted"
    assert defaults["marketing"] == "defaulted"
    assert _post(client, demo_site, regulation="us-ca", choices={"advertising": False}).status_code == 201
    newest = next(event for event in events_of(demo_site, VISITOR) if event.purpose == "advertising")
    assert (newest.kind, newest.granted) == ("withdrawn", False)


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"regulation": "gdpr", "method": "default"}, "method"),  # opt-in law: nothing is on by default
        ({"regulation": "us-ca", "method": "default", "choices": {"marketing": False}}, "choices"),
        ({"regulation": "appi", "method": "default", "choices": {"advertising": True}}, "choices"),
        ({"regulation": "nowhere"}, "regulation"),
        ({"regulation": "US-CA!"}, "regulation"),
    ],
)
def test_a_banner_may_not_claim_a_default_or_a_regulation_it_was_not_shown(client, demo_site, fields, field):
    before = event_count()
    response = _post(client, demo_site, **fields)
    assert response.status_code == 400
    assert field in response.json()["error"]["fields"]
    assert event_count() == before


def test_the_api_and_webhooks_say_on_by_default_under_which_law_and_then_withdrawn(
    client, demo_site, cloudflare, settings
):
    from consent.api.services import api_key_create
    from consent.hooks.models import Delivery
    from consent.hooks.services import destination_create

    settings.ASSENT_ALLOW_PRIVATE_DESTINATIONS = True
    destination_create(site=demo_site, url="http://127.0.0.1:9/hook", purposes=[])
    _, key = api_key_create(organization=demo_site.organization, name="regions")
    assert _post(client, demo_site, regulation="us-ca", method="default").status_code == 201
    state = client.get(f"/api/v1/sites/demo/subjects/{VISITOR}", HTTP_AUTHORIZATION=f"Bearer {key}").json()
    assert (state["purposes"]["advertising"]["kind"], state["purposes"]["advertising"]["regulation"]) == (
        "defaulted",
        "us-ca",
    )
    assert _post(client, demo_site, regulation="us-ca", choices={"advertising": False}).status_code == 201
    state = client.get(f"/api/v1/sites/demo/subjects/{VISITOR}", HTTP_AUTHORIZATION=f"Bearer {key}").json()
    assert state["purposes"]["advertising"]["granted"] is False
    assert (state["purposes"]["advertising"]["kind"], state["purposes"]["advertising"]["regulation"]) == (
        "withdrawn",
        "us-ca",
    )
    assert state["purposes"]["marketing"]["kind"] == "defaulted"
    payload = json.loads(Delivery.objects.order_by("-id").first().body)
    assert payload["data"]["regulation"] == "us-ca"
    assert payload["data"]["purposes"]["advertising"]["kind"] == "withdrawn"
    assert payload["data"]["purposes"]["marketing"]["kind"] == "defaulted"
