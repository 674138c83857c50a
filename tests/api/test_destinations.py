"""Webhook destinations through the API: the secret shown once, changes, deliveries, attempts, replays."""

import pytest

from consent.hooks.delivery import delivery_attempt
from consent.hooks.models import Delivery, Destination

pytestmark = pytest.mark.django_db

URL = "/api/v1/sites/acme/destinations"
TARGET = "http://127.0.0.1:9/hooks"  # the discard port: nothing listens, every attempt fails at once


@pytest.fixture(autouse=True)
def private_allowed(settings):
    """Let destinations point at 127.0.0.1 over plain http."""
    settings.ASSENT_ALLOW_PRIVATE_DESTINATIONS = True


def create(api, **body):
    return api.post(URL, {"url": TARGET, "purposes": ["marketing"], **body}, format="json")


def test_creating_a_destination_shows_its_secret_once(api, site):
    response = create(api, name="CRM")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["secret"].startswith("whsec_")
    assert body["purposes"] == ["marketing"]
    assert body["name"] == "CRM"
    assert Destination.objects.get(pk=body["id"]).site == site
    again = api.get(f"{URL}/{body['id']}").json()
    assert "secret" not in again
    assert body["secret"] not in str(api.get(URL).json())


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"url": "ftp://example.com/x"}, "url"),
        ({"purposes": ["telepathy"]}, "purposes"),
        ({"purposes": "marketing"}, "purposes"),
        ({"event_types": ["consent.imagined"]}, "event_types[0]"),
        ({"event_types": []}, "event_types"),
        ({"name": "n" * 101}, "name"),
    ],
)
def test_a_bad_destination_names_the_field_and_writes_nothing(api, body, field):
    response = create(api, **body)
    assert response.status_code == 400, response.content
    assert field in response.json()["error"]["fields"]
    assert not Destination.objects.exists()


def test_a_private_address_is_refused_in_production(api, settings):
    settings.ASSENT_ALLOW_PRIVATE_DESTINATIONS = False
    response = create(api, url="https://127.0.0.1/hooks")
    assert response.status_code == 400
    assert "url" in response.json()["error"]["fields"]


def test_a_destination_can_be_listed_changed_paused_and_deleted(api):
    created = create(api).json()
    detail = f"{URL}/{created['id']}"
    assert [d["id"] for d in api.get(URL).json()["results"]] == [created["id"]]
    changed = api.patch(detail, {"purposes": ["analytics", "marketing"], "active": False}, format="json").json()
    assert changed["purposes"] == ["analytics", "marketing"]
    assert changed["active"] is False
    assert api.patch(detail, {"purposes": ["nope"]}, format="json").status_code == 400
    assert api.delete(detail).status_code == 204
    assert api.get(detail).status_code == 404


def test_rotating_gives_a_new_secret(api):
    created = create(api).json()
    rotated = api.post(f"{URL}/{created['id']}/rotate-secret").json()
    assert rotated["id"] == created["id"]
    assert rotated["secret"].startswith("whsec_")
    assert rotated["secret"] != created["secret"]


def test_deliveries_show_their_attempts_and_can_be_sent_again(api, record):
    created = create(api).json()
    record("visitor-1", {"marketing": True})
    delivery = Delivery.objects.get(destination_id=created["id"])
    delivery_attempt(delivery.pk)  # refused: an attempt row, tried again later
    deliveries = api.get(f"{URL}/{created['id']}/deliveries").json()
    assert [d["id"] for d in deliveries["results"]] == [delivery.pk]
    assert deliveries["next"] is None
    detail = api.get(f"{URL}/{created['id']}/deliveries/{delivery.pk}").json()
    assert detail["payload"]["data"]["subject"] == "visitor-1"
    [attempt] = detail["attempt_log"]
    assert attempt["number"] == 1
    assert attempt["status_code"] is None
    assert attempt["error"]
    replayed = api.post(f"{URL}/{created['id']}/deliveries/{delivery.pk}/replay")
    assert replayed.status_code == 202
    assert replayed.json()["status"] == "pending"
    assert replayed.json()["message_id"] == detail["message_id"]
    assert api.post(f"{URL}/{created['id']}/replay-failed").json() == {"replayed": 0}


def test_deliveries_page_by_cursor_newest_first(api, record):
    created = create(api).json()
    for n in range(5):
        record(f"visitor-{n}", {"marketing": True})
    seen, cursor = [], None
    while True:
        params = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        page = api.get(f"{URL}/{created['id']}/deliveries", params).json()
        seen += [d["id"] for d in page["results"]]
        cursor = page["next"]
        if cursor is None:
            break
    assert seen == sorted(Delivery.objects.values_list("id", flat=True), reverse=True)


def test_a_paused_destination_cannot_be_replayed(api, record):
    created = create(api).json()
    record("visitor-1", {"marketing": True})
    delivery = Delivery.objects.get()
    api.patch(f"{URL}/{created['id']}", {"active": False}, format="json")
    response = api.post(f"{URL}/{created['id']}/deliveries/{delivery.pk}/replay")
    assert response.status_code == 400
    assert "destination" in response.json()["error"]["fields"]


def test_managing_destinations_needs_the_hooks_scope(make_client, site):
    reader = make_client(site.organization, scopes=["consent:read", "consent:write", "ledger:read"])
    assert reader.get(URL).status_code == 403
    assert reader.post(URL, {"url": TARGET, "purposes": []}, format="json").status_code == 403
    assert not Destination.objects.exists()


def test_another_organizations_destination_and_deliveries_are_404(api, outsider_api, record):
    created = create(api).json()
    record("visitor-1", {"marketing": True})
    delivery = Delivery.objects.get()
    for path in (
        f"{URL}/{created['id']}",
        f"{URL}/{created['id']}/deliveries",
        f"{URL}/{created['id']}/deliveries/{delivery.pk}",
        f"/api/v1/sites/other/destinations/{created['id']}",
        f"/api/v1/sites/other/destinations/{created['id']}/deliveries/{delivery.pk}",
    ):
        assert outsider_api.get(path).status_code == 404, path
    assert outsider_api.delete(f"/api/v1/sites/other/destinations/{created['id']}").status_code == 404
    assert Destination.objects.filter(pk=created["id"]).exists()
