"""One meaning of "granted now" in every read: lapsed grants are not granted, linked devices answer as their user."""

from datetime import timedelta

import pytest
from django.utils import timezone

from consent.accounts import services as account_services
from consent.models import Subject
from tests.accounts.conftest import identify_token, vid

pytestmark = pytest.mark.django_db

A_YEAR_LATER = timedelta(days=400)


@pytest.fixture
def after_a_year(monkeypatch):
    """Move the server's clock past the consent lifetime, before the expiry job has run."""

    def travel() -> None:
        moment = timezone.now() + A_YEAR_LATER
        monkeypatch.setattr(timezone, "now", lambda: moment)

    return travel


def _audience(api, purpose, granted=True):
    answer = api.get("/api/v1/sites/acme/consents", {"purpose": purpose, "granted": granted})
    assert answer.status_code == 200, answer.content
    return {row["subject"] for row in answer.json()["results"]}


def test_a_lapsed_grant_reads_as_not_granted_in_the_subject_audiences_and_check(api, record, after_a_year):
    record("visitor-1", {"analytics": True})

    after_a_year()

    state = api.get("/api/v1/sites/acme/subjects/visitor-1").json()
    check = api.post(
        "/api/v1/sites/acme/consents/check", {"subjects": ["visitor-1"], "purposes": ["analytics"]}, format="json"
    ).json()
    assert state["purposes"]["analytics"]["granted"] is False
    assert check["results"][0]["purposes"]["analytics"] is False
    assert "visitor-1" not in _audience(api, "analytics")
    assert "visitor-1" in _audience(api, "analytics", granted=False)


def test_a_grant_still_within_its_lifetime_reads_as_granted_everywhere(api, record):
    record("visitor-1", {"analytics": True})

    state = api.get("/api/v1/sites/acme/subjects/visitor-1").json()

    assert state["purposes"]["analytics"]["granted"] is True
    assert _audience(api, "analytics") == {"visitor-1"}


def test_after_a_users_withdrawal_no_audience_lists_their_signed_in_device(api, record, site):
    device = vid("phone")
    record(device, {"marketing": True})
    account_services.subject_identify(
        site=site, visitor_id=device, user_id="user-1", token=identify_token(site, "user-1")
    )
    assert _audience(api, "marketing") == {"user-1"}

    record("user-1", {"marketing": False}, subject_kind=Subject.Kind.USER, source="api", method="api")

    assert _audience(api, "marketing") == set()
    assert api.get(f"/api/v1/sites/acme/subjects/{device}").json()["purposes"]["marketing"]["granted"] is False
    check = api.post(
        "/api/v1/sites/acme/consents/check", {"subjects": [device], "purposes": ["marketing"]}, format="json"
    ).json()
    assert check["results"][0]["purposes"]["marketing"] is False


def test_an_audience_names_the_kind_of_each_subject(api, record):
    record("user-1", {"analytics": True}, subject_kind=Subject.Kind.USER)

    answer = api.get("/api/v1/sites/acme/consents", {"purpose": "analytics"}).json()

    assert answer["results"][0]["kind"] == "user"


def test_a_webhook_carries_a_lapsed_grant_as_not_granted(record, site, settings, after_a_year):
    import json

    from consent.hooks.models import Delivery
    from consent.hooks.services import destination_create

    settings.ASSENT_ALLOW_PRIVATE_DESTINATIONS = True
    destination_create(site=site, url="http://127.0.0.1:9/hooks", purposes=["marketing"])
    record("visitor-1", {"analytics": True})
    after_a_year()

    record("visitor-1", {"marketing": True})

    body = json.loads(Delivery.objects.order_by("-id").first().body)
    assert body["data"]["changed"] == ["marketing"]
    assert body["data"]["purposes"]["analytics"]["granted"] is False


def test_a_devices_lapsed_grant_is_not_carried_over_to_its_user_at_sign_in(api, record, site, after_a_year):
    device = vid("phone")
    record(device, {"analytics": True})
    after_a_year()

    account_services.subject_identify(
        site=site, visitor_id=device, user_id="user-1", token=identify_token(site, "user-1", lifetime=600)
    )

    assert "user-1" not in _audience(api, "analytics")
    state = api.get("/api/v1/sites/acme/subjects/user-1").json()["purposes"]
    assert state.get("analytics", {"granted": False})["granted"] is False
