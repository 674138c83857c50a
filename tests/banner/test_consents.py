import json

import pytest
from django.test import override_settings

from consent.banner.models import DailyCount
from consent.models import Subject
from tests.banner.ledger_reads import event_count, evidence_of, state_of

URL = "/api/v1/public/sites/acme/consents"
SUBJECT = "0f1e2d3c4b5a69788796a5b4c3d2e1f0"


def _body(site, **changes):
    body = {
        "subject": SUBJECT,
        "choices": {"analytics": True, "marketing": False},
        "banner_version": site.banner_versions.get().content_hash,
        "method": "custom",
        "locale": "en",
        "idempotency_key": "key-0001",
        "page_url": "https://acme.example/pricing",
    }
    body.update(changes)
    return {k: v for k, v in body.items() if v is not None}


def _post(client, body, **headers):
    return client.post(URL, json.dumps(body), content_type="application/json", **headers)


def test_it_records_a_choice_and_answers_with_the_signed_receipt(client, site):
    response = _post(client, _body(site), REMOTE_ADDR="203.0.113.77", HTTP_USER_AGENT="Test/1.0", HTTP_SEC_GPC="1")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["receipt"]
    assert body["signature"]
    assert body["state"] == {"essential": True, "analytics": True, "marketing": False}
    assert state_of(site, SUBJECT) == {"essential": True, "analytics": True, "marketing": False}


def test_the_evidence_holds_a_truncated_address_the_agent_the_page_and_sec_gpc(client, site):
    _post(client, _body(site), REMOTE_ADDR="203.0.113.77", HTTP_USER_AGENT="Test/1.0", HTTP_SEC_GPC="1")
    evidence = evidence_of(site, SUBJECT)
    assert evidence["ip"] == "203.0.113.0"
    assert evidence["user_agent"] == "Test/1.0"
    assert evidence["page_url"] == "https://acme.example/pricing"
    assert evidence["sec_gpc"] is True
    assert "203.0.113.77" not in json.dumps(evidence)


def test_a_retried_post_with_the_same_idempotency_key_writes_nothing_new(client, site):
    first = _post(client, _body(site)).json()
    events = event_count()
    again = _post(client, _body(site))
    assert again.status_code == 201
    assert again.json()["receipt"] == first["receipt"]
    assert again.json()["replayed"] is True
    assert event_count() == events


def test_choices_are_counted_for_the_operator(client, site):
    _post(client, _body(site, method="accept_all", choices={"analytics": True, "marketing": True}))
    _post(client, _body(site, method="reject_all", idempotency_key="key-0002", choices={"analytics": False}))
    row = DailyCount.objects.get(site=site)
    assert (row.accept_all, row.reject_all, row.custom) == (1, 1, 0)


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"choices": {"unknown": True}}, "choices.unknown"),
        ({"choices": {"analytics": "yes"}}, "choices.analytics"),
        ({"choices": {}}, "choices"),
        ({"choices": {"essential": False}}, "choices.essential"),
        ({"banner_version": "0" * 64}, "banner_version"),
        ({"banner_version": "v1"}, "banner_version"),
        ({"method": "shrug"}, "method"),
        ({"locale": "fr"}, "locale"),
        ({"locale": "<script>"}, "locale"),
        ({"subject": ""}, "subject"),
        ({"subject": "x" * 129}, "subject"),
        ({"source": "api"}, "source"),
        ({"page_url": "javascript:alert(1)"}, "page_url"),
        ({"occurred_at": "2001-01-01T00:00:00Z"}, "occurred_at"),
        ({"idempotency_key": "no spaces allowed"}, "idempotency_key"),
        ({"extra": 1}, "extra"),
    ],
)
def test_it_rejects_bad_input_naming_the_field_and_writes_nothing(client, site, changes, field):
    events = event_count()
    response = _post(client, _body(site, **changes))
    assert response.status_code == 400, response.content
    error = response.json()["error"]
    assert error["code"] == "invalid"
    assert field in error["fields"], error
    assert event_count() == events
    assert not Subject.objects.filter(site=site).exists()


def test_it_rejects_a_body_that_is_not_json(client, site):
    response = client.post(URL, "{not json", content_type="application/json")
    assert response.status_code == 400
    assert "body" in response.json()["error"]["fields"]


def test_it_refuses_an_oversized_body(client, site):
    response = _post(client, _body(site, page_url="https://acme.example/" + "a" * 20000))
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "too_large"


def test_an_unknown_site_is_404(client, db):
    response = client.post(
        "/api/v1/public/sites/nobody/consents", json.dumps({"subject": "x"}), content_type="application/json"
    )
    assert response.status_code == 404


def test_a_version_of_another_site_is_not_a_version_of_this_one(client, site, outsider_site):
    other_version = outsider_site.banner_versions.get().content_hash
    response = _post(client, _body(site, banner_version=other_version))
    assert response.status_code == 400
    assert "banner_version" in response.json()["error"]["fields"]


@override_settings(ASSENT_PUBLIC_RATE_PER_CLIENT=2)
def test_a_client_that_posts_too_often_is_told_when_to_come_back(client, site):
    statuses = [_post(client, _body(site, idempotency_key=f"key-000{i}")).status_code for i in range(3)]
    assert statuses == [201, 201, 429]
    refused = _post(client, _body(site, idempotency_key="key-0009"))
    assert int(refused["Retry-After"]) >= 1
    assert refused.json()["error"]["code"] == "rate_limited"
    # Another client still gets through.
    assert _post(client, _body(site, idempotency_key="key-0010"), REMOTE_ADDR="198.51.100.1").status_code == 201


@override_settings(ASSENT_PUBLIC_RATE_PER_SITE=2)
def test_a_flood_from_many_clients_is_stopped_per_site(client, site, outsider_site):
    statuses = [
        _post(client, _body(site, idempotency_key=f"key-000{i}"), REMOTE_ADDR=f"198.51.100.{i}").status_code
        for i in range(3)
    ]
    assert statuses == [201, 201, 429]
    events = event_count()
    assert _post(client, _body(site, idempotency_key="key-0099"), REMOTE_ADDR="198.51.100.99").status_code == 429
    assert event_count() == events


def test_impressions_are_counted_without_anything_personal(client, site):
    body = json.dumps({"banner_version": site.banner_versions.get().content_hash, "locale": "en"})
    for _ in range(2):
        assert client.post("/api/v1/public/sites/acme/impressions", body, content_type="text/plain").status_code == 204
    assert DailyCount.objects.get(site=site).shown == 2


def test_an_impression_of_an_unknown_version_is_refused(client, site):
    body = json.dumps({"banner_version": "0" * 64, "locale": "en"})
    response = client.post("/api/v1/public/sites/acme/impressions", body, content_type="text/plain")
    assert response.status_code == 400
    assert "banner_version" in response.json()["error"]["fields"]
    assert not DailyCount.objects.exists()


def test_it_refuses_to_write_on_a_customers_user_through_the_public_endpoint(client, site):
    from consent.services import subject_get_or_create

    subject_get_or_create(site=site, external_id="user-1", kind=Subject.Kind.USER)
    response = _post(client, _body(site, subject="user-1"))
    assert response.status_code == 400
    assert "subject" in response.json()["error"]["fields"]
    assert state_of(site, "user-1") == {}


def test_a_retried_post_with_the_same_key_but_another_choice_is_refused_with_409(client, site):
    _post(client, _body(site))
    events = event_count()
    response = _post(client, _body(site, choices={"analytics": False, "marketing": False}))
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "idempotency_conflict"
    assert response.json()["error"]["fields"] == {"idempotency_key": ["was already used for a different request"]}
    assert event_count() == events
    assert state_of(site, SUBJECT) == {"essential": True, "analytics": True, "marketing": False}
