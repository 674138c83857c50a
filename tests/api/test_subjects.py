"""One subject's state now and at a past moment, with an ETag, and its history."""

import json
from datetime import timedelta

import pytest
from django.utils import timezone
from django.utils.dateparse import parse_datetime

pytestmark = pytest.mark.django_db


def test_it_answers_the_current_state_per_purpose(api, record):
    _, receipt = record("visitor-1", {"analytics": True, "marketing": False})
    response = api.get("/api/v1/sites/acme/subjects/visitor-1")
    assert response.status_code == 200
    body = response.json()
    assert body["subject"] == "visitor-1"
    assert body["at"] is None
    purposes = body["purposes"]
    assert purposes["analytics"]["granted"] is True
    assert purposes["marketing"]["granted"] is False
    assert purposes["essential"]["granted"] is True  # required: recorded on
    assert purposes["analytics"]["source"] == "banner"
    assert purposes["analytics"]["receipt"] == str(receipt.id)
    assert purposes["analytics"]["expires_at"] is not None


def test_each_purpose_names_the_regulation_its_deciding_choice_was_made_under(api, record):
    record("visitor-1", {"analytics": True, "marketing": False}, jurisdiction="gdpr")
    record("visitor-1", {"marketing": True})
    between = timezone.now()
    record("visitor-1", {"analytics": False}, jurisdiction="us-ca")
    now = api.get("/api/v1/sites/acme/subjects/visitor-1").json()["purposes"]
    then = api.get("/api/v1/sites/acme/subjects/visitor-1", {"at": between.isoformat()}).json()["purposes"]
    assert (now["analytics"]["regulation"], now["marketing"]["regulation"]) == ("us-ca", "")
    assert (then["analytics"]["regulation"], then["marketing"]["regulation"]) == ("gdpr", "")


def test_it_answers_what_the_state_was_at_a_past_moment(api, record):
    record("visitor-1", {"analytics": True})
    between = timezone.now()
    record("visitor-1", {"analytics": False}, method="custom")
    now = api.get("/api/v1/sites/acme/subjects/visitor-1").json()
    then = api.get("/api/v1/sites/acme/subjects/visitor-1", {"at": between.isoformat()}).json()
    assert now["purposes"]["analytics"]["granted"] is False
    assert then["purposes"]["analytics"]["granted"] is True
    assert parse_datetime(then["at"]) == between


def test_before_the_first_choice_the_state_is_empty(api, record):
    record("visitor-1", {"analytics": True})
    before = (timezone.now() - timedelta(days=1)).isoformat()
    assert api.get("/api/v1/sites/acme/subjects/visitor-1", {"at": before}).json()["purposes"] == {}


def test_it_rejects_a_malformed_moment(api, record):
    record("visitor-1", {"analytics": True})
    response = api.get("/api/v1/sites/acme/subjects/visitor-1", {"at": "yesterday"})
    assert response.status_code == 400
    assert "at" in response.json()["error"]["fields"]


def test_an_unknown_subject_is_404(api, site):
    response = api.get("/api/v1/sites/acme/subjects/nobody")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_an_etag_lets_a_client_skip_an_unchanged_state(api, record):
    record("visitor-1", {"analytics": True})
    first = api.get("/api/v1/sites/acme/subjects/visitor-1")
    etag = first["ETag"]
    unchanged = api.get("/api/v1/sites/acme/subjects/visitor-1", HTTP_IF_NONE_MATCH=etag)
    assert unchanged.status_code == 304
    assert unchanged.content == b""
    record("visitor-1", {"analytics": False})
    changed = api.get("/api/v1/sites/acme/subjects/visitor-1", HTTP_IF_NONE_MATCH=etag)
    assert changed.status_code == 200
    assert changed["ETag"] != etag


def test_the_history_is_newest_first_with_the_banner_version_shown(api, record, site):
    version = site.banner_versions.get().content_hash
    record("visitor-1", {"analytics": True}, banner_version=version)
    record("visitor-1", {"analytics": False}, banner_version=version)
    response = api.get("/api/v1/sites/acme/subjects/visitor-1/events")
    assert response.status_code == 200
    events = [e for e in response.json()["events"] if e["purpose"] == "analytics"]
    assert [e["granted"] for e in events] == [False, True]
    assert {e["banner_version"] for e in events} == {version}
    assert {e["subject"] for e in events} == {"visitor-1"}


def test_the_history_limit_is_validated(api, record):
    record("visitor-1", {"analytics": True})
    response = api.get("/api/v1/sites/acme/subjects/visitor-1/events", {"limit": 0})
    assert response.status_code == 400
    assert "limit" in response.json()["error"]["fields"]


def test_a_visitor_linked_to_a_user_answers_with_the_users_state(api, record, site):
    from consent.models import Subject

    record("user-7", {"marketing": True}, subject_kind="user")
    record("visitor-9", {"marketing": False})
    Subject.objects.filter(site=site, external_id="visitor-9").update(
        linked_to=Subject.objects.get(site=site, external_id="user-7")
    )
    body = api.get("/api/v1/sites/acme/subjects/visitor-9").json()
    assert body["purposes"]["marketing"]["granted"] is True


def test_an_id_in_both_namespaces_answers_as_the_user_unless_kind_says_otherwise(api, record, site):
    """The lookup ranks a user before a visitor of the same id, logs whose state it read, and honours `kind`."""
    from consent.dsr.models import AccessLogEntry
    from consent.models import Subject

    record("same-id", {"marketing": True}, subject_kind="user")
    record("same-id", {"marketing": False})
    user = Subject.objects.get(site=site, external_id="same-id", kind="user")
    visitor = Subject.objects.get(site=site, external_id="same-id", kind="visitor")
    assert api.get("/api/v1/sites/acme/subjects/same-id").json()["purposes"]["marketing"]["granted"] is True
    assert AccessLogEntry.objects.get().subject_ref == f"subject:{user.ledger_key}"
    answer = api.get("/api/v1/sites/acme/subjects/same-id", {"kind": "visitor"}).json()
    assert answer["purposes"]["marketing"]["granted"] is False
    assert AccessLogEntry.objects.latest("id").subject_ref == f"subject:{visitor.ledger_key}"
    # A device linked to the user answers, and is logged, as the user.
    record("device-3", {"marketing": False})
    Subject.objects.filter(site=site, external_id="device-3").update(linked_to=user)
    assert api.get("/api/v1/sites/acme/subjects/device-3").json()["purposes"]["marketing"]["granted"] is True
    assert AccessLogEntry.objects.latest("id").subject_ref == f"subject:{user.ledger_key}"


def test_a_known_subject_without_any_state_answers_with_no_purposes_and_is_logged(api, site):
    from consent.dsr.models import AccessLogEntry
    from consent.services import subject_get_or_create

    subject_get_or_create(site=site, external_id="quiet-one", kind="visitor")
    response = api.get("/api/v1/sites/acme/subjects/quiet-one")
    assert response.status_code == 200, response.content
    assert response.json()["purposes"] == {}
    assert AccessLogEntry.objects.filter(action="api_subject_state").count() == 1


def test_the_state_reads_exactly_as_its_output_serializer_renders_it(api, record):
    """The view renders the body by hand (cheaper); the serializer stays the schema, so they must agree."""
    from consent.api.views.subjects import SubjectStateView

    record("visitor-1", {"analytics": True, "marketing": False})
    between = timezone.now()
    record("visitor-1", {"analytics": False})
    for params in ({}, {"at": between.isoformat()}, {"kind": "visitor"}):
        body = api.get("/api/v1/sites/acme/subjects/visitor-1", params).json()
        at = parse_datetime(body["at"]) if body["at"] else None
        purposes = {
            purpose: {**state, "since": parse_datetime(state["since"]), "expires_at": state["expires_at"]}
            for purpose, state in body["purposes"].items()
        }
        expected = SubjectStateView.OutputSerializer({"subject": "visitor-1", "at": at, "purposes": purposes}).data
        assert body == json.loads(json.dumps(expected))
