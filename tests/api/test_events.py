"""Recording choices made elsewhere, and the site's event feed in log order."""

import pytest

from consent.models import Subject

pytestmark = pytest.mark.django_db

URL = "/api/v1/sites/acme/events"


def post(api, body, **headers):
    return api.post(URL, body, format="json", **headers)


def test_it_records_a_choice_made_elsewhere_through_the_ledger(api, site):
    response = post(api, {"subject": "user-42", "choices": {"marketing": False}, "source": "api"})
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["subject"] == "user-42"
    assert body["state"]["marketing"] is False
    assert body["state"]["essential"] is True
    assert body["replayed"] is False
    state = api.get("/api/v1/sites/acme/subjects/user-42").json()
    assert state["purposes"]["marketing"]["granted"] is False
    assert state["purposes"]["marketing"]["source"] == "api"
    assert state["purposes"]["marketing"]["receipt"] == body["receipt"]
    assert Subject.objects.get(site=site, external_id="user-42").kind == "user"


def test_the_same_idempotency_key_records_once(api, site):
    body = {"subject": "user-42", "choices": {"marketing": True}, "idempotency_key": "crm-1"}
    first = post(api, body)
    second = post(api, body)
    assert first.status_code == 201
    assert second.status_code == 200
    assert second.json()["replayed"] is True
    assert second.json()["receipt"] == first.json()["receipt"]
    events = api.get("/api/v1/sites/acme/subjects/user-42/events").json()["events"]
    assert len([e for e in events if e["purpose"] == "marketing"]) == 1


def test_the_idempotency_key_may_come_as_a_header(api, site):
    body = {"subject": "user-42", "choices": {"marketing": True}}
    first = post(api, body, HTTP_IDEMPOTENCY_KEY="h-1")
    second = post(api, body, HTTP_IDEMPOTENCY_KEY="h-1")
    assert second.json()["receipt"] == first.json()["receipt"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"choices": {"marketing": True}}, "subject"),
        ({"subject": "", "choices": {"marketing": True}}, "subject"),
        ({"subject": "x" * 129, "choices": {"marketing": True}}, "subject"),
        ({"subject": "u"}, "choices"),
        ({"subject": "u", "choices": {}}, "choices"),
        ({"subject": "u", "choices": {"marketing": "perhaps"}}, "choices.marketing"),
        ({"subject": "u", "choices": {"nonsense": True}}, "choices.nonsense"),
        ({"subject": "u", "choices": {"essential": False}}, "choices.essential"),
        ({"subject": "u", "choices": {"marketing": True}, "source": "banner"}, "source"),
        ({"subject": "u", "choices": {"marketing": True}, "source": "gpc"}, "source"),
        ({"subject": "u", "choices": {"marketing": True}, "method": "telepathy"}, "method"),
        ({"subject": "u", "choices": {"marketing": True}, "kind": "erased"}, "kind"),
        ({"subject": "u", "choices": {"marketing": True}, "banner_version": "f" * 64}, "banner_version"),
        ({"subject": "u", "choices": {"marketing": True}, "occurred_at": "then"}, "occurred_at"),
        ({"subject": "u", "choices": {"marketing": True}, "subject_kind": "robot"}, "subject_kind"),
        ({"subject": "u", "choices": {"marketing": True}, "idempotency_key": ""}, "idempotency_key"),
    ],
)
def test_a_bad_choice_names_the_field_and_writes_nothing(api, site, body, field):
    response = post(api, body)
    assert response.status_code == 400, response.content
    assert field in response.json()["error"]["fields"], response.json()
    assert not Subject.objects.filter(site=site).exists()


def test_recording_needs_the_write_scope(make_client, site):
    reader = make_client(site.organization, scopes=["consent:read"])
    response = post(reader, {"subject": "u", "choices": {"marketing": True}})
    assert response.status_code == 403
    assert not Subject.objects.exists()


def test_the_feed_lists_integrated_events_in_log_order_by_cursor(api, record, site):
    from ledger.services import log_integrate

    total = sum(len(record(f"s{n}", {"marketing": True})[1].event_ids) for n in range(5))
    log_integrate(site=site.key)
    page = api.get(URL, {"limit": 7}).json()
    indices = [e["index"] for e in page["events"]]
    assert indices == list(range(7))
    rest = api.get(URL, {"since": page["next"], "limit": 100}).json()
    assert [e["index"] for e in rest["events"]] == list(range(7, total))
    assert rest["next"] == total
    assert api.get(URL, {"since": total}).json() == {"events": [], "next": total}
    assert {e["subject"] for e in page["events"] + rest["events"]} == {f"s{n}" for n in range(5)}


def test_the_feed_never_skips_an_event_that_commits_late(api, record, site):
    from ledger.services import log_integrate

    record("early", {"marketing": True})
    log_integrate(site=site.key)
    page = api.get(URL).json()
    record("late", {"marketing": False})  # not integrated yet: not in the feed, not skipped either
    assert api.get(URL, {"since": page["next"]}).json()["events"] == []
    log_integrate(site=site.key)
    later = api.get(URL, {"since": page["next"]}).json()["events"]
    assert {e["subject"] for e in later} == {"late"}


@pytest.mark.parametrize(("params", "field"), [({"since": "-1"}, "since"), ({"limit": "0"}, "limit")])
def test_the_feed_names_a_bad_parameter(api, site, params, field):
    response = api.get(URL, params)
    assert response.status_code == 400
    assert field in response.json()["error"]["fields"]


def test_the_same_idempotency_key_with_another_body_is_refused_with_409(api, site):
    post(api, {"subject": "user-42", "choices": {"marketing": True}, "idempotency_key": "crm-2"})
    response = post(api, {"subject": "user-42", "choices": {"marketing": False}, "idempotency_key": "crm-2"})
    assert response.status_code == 409
    error = response.json()["error"]
    assert error["code"] == "idempotency_conflict"
    assert list(error["fields"]) == ["idempotency_key"]
    state = api.get("/api/v1/sites/acme/subjects/user-42").json()
    assert state["purposes"]["marketing"]["granted"] is True


def test_a_visitors_key_shaped_like_an_api_key_does_not_swallow_an_api_withdrawal(api, client, site):
    version = site.banner_versions.get().content_hash
    visitor = {
        "subject": "0f1e2d3c4b5a69788796a5b4c3d2e1f0",
        "choices": {"marketing": True},
        "banner_version": version,
        "method": "custom",
        "locale": "en",
        "idempotency_key": "api:crm-7781",
    }
    public = client.post("/api/v1/public/sites/acme/consents", visitor, content_type="application/json")
    assert public.status_code == 201, public.content
    post(api, {"subject": "user-42", "choices": {"marketing": True}})
    withdrawal = post(api, {"subject": "user-42", "choices": {"marketing": False}, "idempotency_key": "crm-7781"})
    assert withdrawal.status_code == 201, withdrawal.content
    assert withdrawal.json()["replayed"] is False
    assert withdrawal.json()["receipt"] != public.json()["receipt"]
    state = api.get("/api/v1/sites/acme/subjects/user-42").json()
    assert state["purposes"]["marketing"]["granted"] is False
