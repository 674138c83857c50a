"""Every read of personal data by an API key or an operator is in the access log: who, what, whose, from where."""

import pytest
from django.test import Client

from consent.dsr.models import AccessLogEntry
from consent.models import Subject
from ledger.models import Evidence

pytestmark = pytest.mark.django_db


@pytest.fixture
def visitor(record, site):
    record("visitor-1", {"analytics": True}, evidence={"ip": "192.0.2.0", "user_agent": "test"})
    return Subject.objects.get(site=site, external_id="visitor-1")


@pytest.mark.parametrize(
    ("path", "action"),
    [
        ("/api/v1/sites/acme/subjects/visitor-1", "api_subject_state"),
        ("/api/v1/sites/acme/subjects/visitor-1/events", "api_subject_history"),
        ("/api/v1/sites/acme/subjects/visitor-1/export", "api_subject_export"),
    ],
)
def test_an_api_read_of_a_subject_is_logged_by_key_subject_and_address(api, visitor, site, path, action):
    response = api.get(path, REMOTE_ADDR="198.51.100.7")
    assert response.status_code == 200, response.content
    entry = AccessLogEntry.objects.get(action=action)
    assert entry.actor == f"api-key:{api.key[: len(entry.actor) - len('api-key:')]}"
    assert entry.site == site
    assert entry.subject_ref == f"subject:{visitor.ledger_key}"
    assert entry.ip == "198.51.100.7"
    # The log leads to a pseudonym, never to the id the customer knows.
    assert "visitor-1" not in entry.subject_ref


def test_audiences_and_bulk_checks_are_logged(api, visitor):
    assert api.get("/api/v1/sites/acme/consents", {"purpose": "analytics"}).status_code == 200
    check = api.post(
        "/api/v1/sites/acme/consents/check", {"subjects": ["visitor-1"], "purposes": ["analytics"]}, format="json"
    )
    assert check.status_code == 200, check.content
    assert set(AccessLogEntry.objects.values_list("action", flat=True)) == {"api_audience", "api_check"}


def test_an_unknown_subject_or_a_refused_check_leaves_no_entry(api, site):
    assert api.get("/api/v1/sites/acme/subjects/nobody").status_code == 404
    refused = api.post("/api/v1/sites/acme/consents/check", {"subjects": ["x"], "purposes": ["nope"]}, format="json")
    assert refused.status_code == 400
    assert not AccessLogEntry.objects.exists()


def test_an_operator_looking_at_subjects_and_evidence_is_logged(owner, visitor, site):
    owner.is_staff = True
    owner.save()
    client = Client()
    client.force_login(owner)
    assert client.get("/admin/consent/subject/").status_code == 200
    assert client.get(f"/admin/consent/subject/{visitor.pk}/change/").status_code == 200
    evidence = Evidence.objects.get(subject_key=visitor.ledger_key)
    assert client.get(f"/admin/ledger/evidence/{evidence.pk}/change/").status_code == 200
    entries = {entry.action: entry for entry in AccessLogEntry.objects.all()}
    assert set(entries) == {"console_subject_listed", "console_subject_viewed", "console_evidence_viewed"}
    assert entries["console_subject_viewed"].actor == f"operator:{owner.get_username()}"
    assert entries["console_subject_viewed"].subject_ref == f"subject:{visitor.ledger_key}"
    assert entries["console_evidence_viewed"].subject_ref == f"subject:{visitor.ledger_key}"
