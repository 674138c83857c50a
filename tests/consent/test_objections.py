"""Switching off a legitimate-interest purpose is an objection (GDPR Art. 21), wherever it is read."""

import json

import pytest
from django.core.cache import cache
from django.test import Client

from consent.accounts import selectors as account_selectors
from consent.accounts.models import AccountBinding
from consent.api.services import api_key_create
from consent.models import Subject
from tests.accounts.conftest import vid
from tests.banner.ledger_reads import events_of

pytestmark = pytest.mark.django_db
PASSWORD = "password-for-tests"  # the factories' password


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    cache.clear()


def _public(site, subject, choices, method="custom"):
    body = {
        "subject": subject,
        "choices": choices,
        "banner_version": site.banner_versions.get().content_hash,
        "method": method,
        "locale": "en",
    }
    return Client().post("/api/v1/public/sites/acme/consents", json.dumps(body), content_type="application/json")


def test_switching_off_a_legitimate_interest_is_recorded_as_an_objection(site):
    visitor = vid("visitor")

    response = _public(site, visitor, {"personalization": False, "analytics": False, "marketing": True})

    assert response.status_code == 201
    kinds = {event.purpose: event.kind for event in events_of(site, visitor)}
    assert kinds["personalization"] == "objected"
    assert kinds["analytics"] == "opted_out"
    assert kinds["marketing"] == "opted_in"
    assert response.json()["state"]["personalization"] is False


def test_a_reject_all_objects_to_the_legitimate_interest_and_refuses_the_rest(site):
    visitor = vid("visitor")

    _public(site, visitor, {"personalization": False, "analytics": False, "marketing": False}, method="reject_all")

    kinds = {event.purpose: event.kind for event in events_of(site, visitor)}
    assert kinds == {
        "personalization": "objected",
        "analytics": "opted_out",
        "marketing": "opted_out",
        "essential": "opted_in",
    }


def test_the_api_reads_an_objection_as_one(site):
    _, key = api_key_create(organization=site.organization, name="tests")
    api = Client(HTTP_AUTHORIZATION=f"Bearer {key}")
    visitor = vid("visitor")
    _public(site, visitor, {"personalization": False})

    events = api.get(f"/api/v1/sites/acme/subjects/{visitor}/events").json()["events"]

    assert [e["kind"] for e in events if e["purpose"] == "personalization"] == ["objected"]


def test_the_receipt_and_the_account_history_say_objected(site, owner):
    AccountBinding.objects.create(user=owner, site=site, external_id="user-1")
    client = Client()
    assert client.login(username=owner.username, password=PASSWORD)

    client.post(f"/account/privacy/{site.key}/choices", {"purpose-analytics": "on"})

    subject = Subject.objects.get(site=site, kind=Subject.Kind.USER, external_id="user-1")
    history = account_selectors.subject_history(site=site, subject=subject)
    objection = next(entry for entry in history if "personalization" in entry.decisions)
    assert objection.kinds["personalization"] == "objected"
    receipt = account_selectors.receipt_document(site=site, subject=subject, receipt_id=objection.receipt_id)
    statuses = {p["purpose_id"]: p["consent_status"] for p in receipt["purposes"]}
    assert statuses["personalization"] == "objected"
    page = client.get("/account/privacy/").content.decode()
    assert 'data-purpose="personalization" data-granted="false" data-kind="objected"' in page
