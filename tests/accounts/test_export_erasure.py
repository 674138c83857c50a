"""Export (Art. 15/20) holds everything about one subject and nothing of another; erasure (Art. 17) empties it."""

import json

import pytest
from django.core.management import call_command
from django.test import Client

from consent.accounts import selectors, services
from consent.accounts.models import Erasure
from consent.api.services import api_key_create
from consent.models import Subject
from ledger import services as ledger_services
from ledger.models import Event, Evidence
from tests.accounts.conftest import identify_token, vid

pytestmark = pytest.mark.django_db
EVIDENCE = {"ip": "203.0.113.0", "user_agent": "Firefox/130", "page_url": "https://acme.example/", "sec_gpc": False}


@pytest.fixture
def alice(site, choose):
    """A user with a linked phone that chose before signing in, and a choice of their own."""
    choose(site, vid("phone-a"), {"marketing": True}, evidence=EVIDENCE)
    services.subject_identify(
        site=site, visitor_id=vid("phone-a"), user_id="alice", token=identify_token(site, "alice")
    )
    choose(site, "alice", {"analytics": True}, subject_kind=Subject.Kind.USER, evidence=EVIDENCE)
    return Subject.objects.get(site=site, external_id="alice")


@pytest.fixture
def bob(site, outsider_site, choose):
    """Another user of the same site, and someone with Alice's id on another organization's site."""
    choose(site, "bob", {"marketing": False}, subject_kind=Subject.Kind.USER, evidence={"ip": "198.51.100.0"})
    choose(outsider_site, "alice", {"marketing": True}, subject_kind=Subject.Kind.USER, evidence={"ip": "192.0.2.0"})


def test_the_export_contains_links_state_events_evidence_and_receipts(site, alice, bob):
    document = selectors.subject_export(site=site, external_id="alice", kind=Subject.Kind.USER)

    assert document["found"] is True
    assert document["subject"]["id"] == "alice"
    assert document["links"] == [
        {
            "device": vid("phone-a"),
            "linked_to": "alice",
            "ledger_key": Subject.objects.get(external_id=vid("phone-a")).ledger_key,
        }
    ]
    assert document["state"]["marketing"]["granted"] is True
    assert document["state"]["analytics"]["granted"] is True
    subjects = {event["subject"] for event in document["events"]}
    assert subjects == {"alice", vid("phone-a")}
    assert {e["method"] for e in document["events"]} >= {"custom", "identify"}
    agents = [row["data"].get("user_agent") for row in document["evidence"]]
    assert agents.count("Firefox/130") == 2
    merged = [row["data"]["merged_from_events"] for row in document["evidence"] if "merged_from_events" in row["data"]]
    phone_marketing = next(
        e["id"] for e in document["events"] if e["subject"] == vid("phone-a") and e["purpose"] == "marketing"
    )
    assert [m["marketing"] for m in merged] == [phone_marketing]
    receipt_ids = {r["receipt_id"] for r in document["receipts"]}
    assert receipt_ids == {e["receipt_id"] for e in document["events"]}
    json.dumps(document)  # one machine-readable document


def test_the_export_holds_nothing_of_another_subject(site, alice, bob):
    text = json.dumps(selectors.subject_export(site=site, external_id="alice", kind=Subject.Kind.USER))

    assert "bob" not in text
    assert "198.51.100.0" not in text
    assert "192.0.2.0" not in text  # the other organization's "alice"
    others = Subject.objects.exclude(external_id__in=["alice", vid("phone-a")]).values_list("ledger_key", flat=True)
    assert not any(key in text for key in others)


def test_a_device_id_exports_its_user(site, alice):
    assert (
        selectors.subject_export(site=site, external_id=vid("phone-a"), kind=Subject.Kind.VISITOR)["subject"]["id"]
        == "alice"
    )


def test_an_unknown_id_exports_an_empty_document(site):
    document = selectors.subject_export(site=site, external_id="nobody", kind=Subject.Kind.USER)

    assert document["found"] is False
    assert document["events"] == document["evidence"] == document["receipts"] == document["links"] == []


def test_erasure_empties_the_export_keeps_the_log_verifying_and_forgets_the_real_id(site, alice, bob):
    keys = [alice.ledger_key, Subject.objects.get(external_id=vid("phone-a")).ledger_key]
    ledger_services.log_integrate(site=site.key, checkpoint_force=True)

    erasure = services.subject_erase(site=site, external_id="alice", kind=Subject.Kind.USER, source="api")

    document = selectors.subject_export(site=site, external_id="alice", kind=Subject.Kind.USER)
    assert document["found"] is False
    assert document["events"] == document["evidence"] == document["links"] == []
    assert selectors.subject_export(site=site, external_id=vid("phone-a"), kind=Subject.Kind.VISITOR)["found"] is False
    assert not Subject.objects.filter(site=site, external_id__in=["alice", vid("phone-a")]).exists()
    assert not Evidence.objects.filter(subject_key__in=keys).exists()
    erased = Event.objects.filter(subject_key__in=keys, kind="erased")
    assert set(erased.values_list("granted", flat=True)) == {False}
    assert str(erased.filter(subject_key=keys[0]).first().receipt_id) == str(erasure.receipt_id)
    assert erasure.subjects == 2
    assert erasure.evidence_rows == 3
    assert (erasure.retain_until - erasure.erased_at).days == site.erasure_retention_days
    ledger_services.log_integrate(site=site.key, checkpoint_force=True)
    call_command("verify_ledger")  # raises CommandError when a log does not verify
    _, key = api_key_create(organization=site.organization, name="privacy team")
    answer = Client().get(f"/api/v1/sites/{site.key}/subjects/alice", headers={"Authorization": f"Bearer {key}"})
    assert answer.status_code == 404


def test_erasure_leaves_other_subjects_alone(site, outsider_site, alice, bob):
    services.subject_erase(site=site, external_id="alice", kind=Subject.Kind.USER, source="api")

    assert Subject.objects.filter(site=site, external_id="bob").exists()
    assert Subject.objects.filter(site=outsider_site, external_id="alice").exists()
    assert selectors.subject_export(site=outsider_site, external_id="alice", kind=Subject.Kind.USER)["found"] is True


def test_erasing_an_unknown_id_does_nothing(site):
    assert services.subject_erase(site=site, external_id="nobody", kind=Subject.Kind.USER, source="api") is None
    assert not Erasure.objects.exists()


def test_erasing_through_a_device_id_erases_its_user(site, alice):
    services.subject_erase(site=site, external_id=vid("phone-a"), kind=Subject.Kind.VISITOR, source="account_settings")

    assert not Subject.objects.filter(site=site, external_id="alice").exists()


def test_after_erasure_the_same_id_starts_afresh(site, alice, choose):
    services.subject_erase(site=site, external_id="alice", kind=Subject.Kind.USER, source="api")

    choose(site, "alice", {"analytics": False}, subject_kind=Subject.Kind.USER)

    fresh = Subject.objects.get(site=site, external_id="alice")
    assert fresh.ledger_key != alice.ledger_key
    assert (
        selectors.subject_export(site=site, external_id="alice", kind=Subject.Kind.USER)["state"]["analytics"][
            "granted"
        ]
        is False
    )


def test_after_erasure_no_table_of_the_subject_or_account_apps_holds_the_real_id(site, alice):
    from django.apps import apps
    from django.db import models

    from tests.accounts.conftest import identify_token as token

    Client().get(f"/account/link/{site.key}/?user=alice&token={token(site, 'alice', use='signin')}")

    services.subject_erase(site=site, external_id="alice", kind=Subject.Kind.USER, source="api")

    for label in ("consent", "accounts"):
        for model in apps.get_app_config(label).get_models():
            texts = [f.name for f in model._meta.concrete_fields if isinstance(f, models.CharField | models.TextField)]
            for field in texts:
                held = model.objects.filter(**{field: "alice"}).exists()
                assert not held, f"{model.__name__}.{field} still holds the erased id"
