"""Who a public write may speak for and what it may claim: visitor ids only, the banner's own provenance."""

import json

import pytest
from django.core.cache import cache
from django.test import Client

from consent.api.services import api_key_create
from consent.models import Subject
from consent.services import consent_record
from ledger.models import Event
from tests.accounts.conftest import identify_token, vid

pytestmark = pytest.mark.django_db

CONSENTS = "/api/v1/public/sites/acme/consents"


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    cache.clear()


@pytest.fixture
def api(site) -> Client:
    _, key = api_key_create(organization=site.organization, name="tests")
    return Client(HTTP_AUTHORIZATION=f"Bearer {key}")


def _public(site, subject, choices, **changes):
    headers = {k: changes.pop(k) for k in list(changes) if k.startswith("HTTP_")}
    body = {
        "subject": subject,
        "choices": choices,
        "banner_version": site.banner_versions.get().content_hash,
        "method": "custom",
        "locale": "en",
        **changes,
    }
    return Client().post(CONSENTS, json.dumps(body), content_type="application/json", **headers)


def test_the_public_endpoint_cannot_write_on_a_user_id_nobody_has_seen_yet(site, api):
    response = _public(site, "user-777", {"marketing": True})

    assert response.status_code == 400
    assert "subject" in response.json()["error"]["fields"]
    assert not Subject.objects.filter(site=site).exists()
    assert not Event.objects.exists()
    assert api.get("/api/v1/sites/acme/subjects/user-777").status_code == 404


def test_the_real_user_identifies_after_a_visitor_chose_under_the_same_string(site, api):
    # A customer whose user ids look like the banner's own: a visitor can still choose under one.
    same = vid("user-777")
    assert _public(site, same, {"marketing": True}).status_code == 201

    identified = Client().post(
        "/api/v1/public/sites/acme/identify",
        {"subject": vid("phone"), "user": same, "token": identify_token(site, same)},
        content_type="application/json",
    )

    assert identified.status_code == 200
    assert identified.json()["decided"] is False
    as_user = api.get(f"/api/v1/sites/acme/subjects/{same}?kind=user").json()
    as_visitor = api.get(f"/api/v1/sites/acme/subjects/{same}?kind=visitor").json()
    assert as_user["purposes"] == {}
    assert as_visitor["purposes"]["marketing"]["granted"] is True


def test_a_user_id_is_answered_before_a_visitor_id_that_is_the_same_string(site, api):
    same = vid("shared")
    _public(site, same, {"marketing": True})
    consent_record(
        site=site,
        external_id=same,
        subject_kind=Subject.Kind.USER,
        choices={"marketing": False},
        source="api",
        method="api",
        locale="",
    )

    state = api.get(f"/api/v1/sites/acme/subjects/{same}").json()
    check = api.post(
        "/api/v1/sites/acme/consents/check",
        {"subjects": [same], "purposes": ["marketing"]},
        content_type="application/json",
    ).json()

    assert state["purposes"]["marketing"]["granted"] is False
    assert check["results"][0]["purposes"]["marketing"] is False


def test_an_unknown_kind_is_refused_naming_the_field(site, api):
    response = api.get(f"/api/v1/sites/acme/subjects/{vid('x')}?kind=robot")

    assert response.status_code == 400
    assert "kind" in response.json()["error"]["fields"]


def test_the_subject_namespace_is_a_named_constraint_on_site_kind_and_id(site):
    constraints = {c.name: c for c in Subject._meta.constraints}

    assert constraints["subject_site_kind_external_id_unique"].fields == ("site", "kind", "external_id")


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"source": "account_settings"}, "source"),
        ({"source": "api"}, "source"),
        ({"source": "gpc", "method": "gpc"}, "source"),
        ({"method": "gpc"}, "method"),
        ({"method": "identify"}, "method"),
    ],
)
def test_a_public_write_may_claim_only_what_the_banner_can(site, changes, field):
    response = _public(site, vid("visitor"), {"marketing": False}, **changes)

    assert response.status_code == 400
    assert field in response.json()["error"]["fields"]
    assert not Event.objects.exists()


def test_gpc_is_accepted_with_the_browsers_sec_gpc_header(site):
    response = _public(site, vid("visitor"), {"marketing": False}, source="gpc", method="gpc", HTTP_SEC_GPC="1")

    assert response.status_code == 201
    assert set(Event.objects.values_list("source", flat=True)) == {"gpc"}


def test_the_preference_centre_is_a_public_source(site):
    response = _public(site, vid("visitor"), {"marketing": False}, source="preference_centre")

    assert response.status_code == 201


@pytest.mark.parametrize("value", ["yes", "true", 1, "1", None])
def test_the_api_accepts_only_json_booleans_as_choices(site, api, value):
    body = {"subject": "user-1", "choices": {"marketing": value}}

    response = api.post("/api/v1/sites/acme/events", json.dumps(body), content_type="application/json")

    assert response.status_code == 400
    assert any(field.startswith("choices") for field in response.json()["error"]["fields"])
    assert not Event.objects.exists()


@pytest.mark.parametrize("subject", ["0" * 31, "0" * 33, "A" * 32, "user-777", "g" * 32])
def test_only_the_banners_own_visitor_id_format_is_accepted(site, subject):
    consent = _public(site, subject, {"marketing": True})
    identified = Client().post(
        "/api/v1/public/sites/acme/identify",
        {"subject": subject, "user": "user-1", "token": identify_token(site, "user-1")},
        content_type="application/json",
    )

    assert consent.status_code == identified.status_code == 400
    assert "subject" in consent.json()["error"]["fields"]
    assert "subject" in identified.json()["error"]["fields"]
    assert not Subject.objects.exists()
