"""Per-vendor decisions through the marketer API: recorded, answered per vendor, never to an outsider."""

import pytest

from consent.models import Subject
from ledger.models import Event
from tests.consent.test_vendors import choose, vendors_enable

pytestmark = pytest.mark.django_db

SUBJECT = "/api/v1/sites/acme/subjects"
CHOICE = {"analytics": True, "analytics:ga": True, "analytics:hotjar-ltd": False}


@pytest.fixture
def per_vendor(site):
    vendors_enable(site)
    return site


def test_it_records_vendor_decisions_sent_to_the_api(api, per_vendor):
    response = api.post("/api/v1/sites/acme/events", {"subject": "u1", "choices": CHOICE}, format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["state"]["analytics:ga"] is True
    assert body["state"]["analytics:hotjar-ltd"] is False
    assert sorted(body["changed"]) == ["analytics", "analytics:ga", "analytics:hotjar-ltd", "essential"]


@pytest.mark.parametrize("key", ["analytics:nope", "marketing:ga"])
def test_an_unknown_vendor_key_is_a_400_naming_it_and_writes_nothing(api, per_vendor, key):
    response = api.post("/api/v1/sites/acme/events", {"subject": "u1", "choices": {key: True}}, format="json")
    assert response.status_code == 400, response.content
    assert f"choices.{key}" in response.json()["error"]["fields"]
    assert not Subject.objects.filter(site=per_vendor).exists()
    assert not Event.objects.exists()


def test_a_vendor_key_is_refused_where_the_purpose_is_not_per_vendor(api, site):
    response = api.post(
        "/api/v1/sites/acme/events", {"subject": "u1", "choices": {"analytics:ga": True}}, format="json"
    )
    assert response.status_code == 400
    assert "choices.analytics:ga" in response.json()["error"]["fields"]
    assert not Event.objects.exists()


def test_the_subject_state_nests_vendors_under_their_purpose(api, per_vendor):
    choose(per_vendor, "v1", CHOICE)
    purposes = api.get(f"{SUBJECT}/v1").json()["purposes"]
    # The purpose-level answer is what it was: one entry per purpose, no vendor keys beside them.
    assert sorted(purposes) == ["analytics", "essential"]
    assert purposes["analytics"]["granted"] is True
    assert "vendors" not in purposes["essential"]
    vendors = purposes["analytics"]["vendors"]
    assert sorted(vendors) == ["ga", "hotjar-ltd"]
    assert vendors["ga"]["granted"] is True
    assert vendors["ga"]["kind"] == "opted_in"
    assert vendors["hotjar-ltd"]["granted"] is False
    assert vendors["hotjar-ltd"]["kind"] == "opted_out"


def test_a_vendor_is_not_granted_while_its_purpose_is_refused(api, per_vendor):
    choose(per_vendor, "v1", CHOICE)
    choose(per_vendor, "v1", {"analytics": False})
    analytics = api.get(f"{SUBJECT}/v1").json()["purposes"]["analytics"]
    assert analytics["granted"] is False
    assert analytics["vendors"]["ga"]["granted"] is False
    assert analytics["vendors"]["ga"]["kind"] == "opted_in"  # the vendor's own decision stands


def test_a_check_answers_purposes_as_before_and_vendor_keys_too(api, per_vendor):
    choose(per_vendor, "v1", CHOICE)
    choose(per_vendor, "v2", {"analytics": True})  # vendors never decided: they follow the purpose
    choose(per_vendor, "v3", {"analytics": False, "analytics:ga": True})
    response = api.post(
        "/api/v1/sites/acme/consents/check",
        {"subjects": ["v1", "v2", "v3", "v4"], "purposes": ["analytics", "analytics:ga", "analytics:hotjar-ltd"]},
        format="json",
    )
    assert response.status_code == 200, response.content
    answers = {r["subject"]: r["purposes"] for r in response.json()["results"]}
    assert answers["v1"] == {"analytics": True, "analytics:ga": True, "analytics:hotjar-ltd": False}
    assert answers["v2"] == {"analytics": True, "analytics:ga": True, "analytics:hotjar-ltd": True}
    assert answers["v3"] == {"analytics": False, "analytics:ga": False, "analytics:hotjar-ltd": False}
    assert answers["v4"] == {"analytics": False, "analytics:ga": False, "analytics:hotjar-ltd": False}


def test_a_check_refuses_an_unknown_vendor_key_naming_the_field(api, per_vendor):
    response = api.post(
        "/api/v1/sites/acme/consents/check", {"subjects": ["v1"], "purposes": ["analytics:nope"]}, format="json"
    )
    assert response.status_code == 400
    assert "purposes" in response.json()["error"]["fields"]


def _audience(api, **params):
    response = api.get("/api/v1/sites/acme/consents", params)
    assert response.status_code == 200, response.content
    return response.json()


def test_the_audience_of_a_vendor_is_its_purposes_grantors_who_did_not_refuse_it(api, per_vendor):
    choose(per_vendor, "a", CHOICE)
    choose(per_vendor, "b", {"analytics": True})
    choose(per_vendor, "c", {"analytics": False})
    choose(per_vendor, "d", {"analytics": True, "analytics:ga": False})
    assert sorted(r["subject"] for r in _audience(api, purpose="analytics")["results"]) == ["a", "b", "d"]
    assert sorted(r["subject"] for r in _audience(api, purpose="analytics:ga")["results"]) == ["a", "b"]
    refused = _audience(api, purpose="analytics:ga", granted="false")["results"]
    assert sorted(r["subject"] for r in refused) == ["c", "d"]
    assert not any(r["granted"] for r in refused)


def test_the_audience_of_a_vendor_pages_by_cursor_and_loses_nothing(api, per_vendor):
    for n in range(9):
        choose(per_vendor, f"s{n}", {"analytics": True, "analytics:ga": n % 3 != 0})
    seen: list[str] = []
    page = _audience(api, purpose="analytics:ga", limit=2)
    seen += [r["subject"] for r in page["results"]]
    while page["next"]:
        page = _audience(api, purpose="analytics:ga", limit=2, cursor=page["next"])
        seen += [r["subject"] for r in page["results"]]
    assert sorted(seen) == sorted(f"s{n}" for n in range(9) if n % 3 != 0)


def test_the_audience_refuses_an_unknown_vendor_key(api, per_vendor):
    response = api.get("/api/v1/sites/acme/consents", {"purpose": "analytics:nope"})
    assert response.status_code == 400
    assert "purpose" in response.json()["error"]["fields"]


def test_an_outsider_learns_nothing_of_vendor_decisions(outsider_api, per_vendor):
    choose(per_vendor, "v1", CHOICE)
    assert outsider_api.get(f"{SUBJECT}/v1").status_code == 404
    assert outsider_api.get("/api/v1/sites/acme/consents", {"purpose": "analytics:ga"}).status_code == 404
    check = {"subjects": ["v1"], "purposes": ["analytics:ga"]}
    assert outsider_api.post("/api/v1/sites/acme/consents/check", check, format="json").status_code == 404
    # Nor through its own site, whose purposes name no such vendor.
    own = outsider_api.post("/api/v1/sites/other/consents/check", check, format="json")
    assert own.status_code == 400
    assert outsider_api.get("/api/v1/sites/other/subjects/v1").status_code == 404
