"""Fulfilment per right: an expiring export link, erasure, a withdrawal; ledger evidence without personal data."""

import json
import time
from types import SimpleNamespace

import pytest
from django.core import mail

from consent.dsr import services
from consent.dsr.models import DataSubjectRequest, Status
from consent.models import Subject
from consent.services import consent_record
from ledger import selectors as ledger_selectors
from ledger.models import Event, Evidence
from tests.dsr.conftest import DOWNLOAD, path_of, verify_link

DOWNLOAD_URL = "http://testserver/privacy/requests/download/{token}/{filename}"


@pytest.fixture
def chosen(site):
    """The person behind user-1 allowed analytics and marketing on the banner."""
    consent_record(
        site=site,
        external_id="user-1",
        choices={"analytics": True, "marketing": True, "personalization": True},
        source="banner",
        method="custom",
        locale="en",
        subject_kind="user",
        evidence={"ip": "203.0.113.0", "user_agent": "Firefox"},
    )


def _verified(client, file_request, **fields) -> DataSubjectRequest:
    dsr = file_request(**fields)
    client.post(path_of(verify_link()))
    dsr.refresh_from_db()
    return dsr


def test_an_access_request_mails_a_link_to_the_export_and_its_readable_summary(client, site, chosen, file_request):
    dsr = _verified(client, file_request, right="access")
    services.request_fulfil(request=dsr, actor="operator:owner", download_url=DOWNLOAD_URL)
    links = DOWNLOAD.findall(mail.outbox[-1].body)
    assert len(links) == 2

    exported = client.get(path_of(links[0]))
    assert exported.status_code == 200
    document = json.loads(b"".join(exported.streaming_content))
    assert document["format"] == "assent-subject-export/1"
    assert document["subject"]["id"] == "user-1"
    assert document["state"]["marketing"]["granted"] is True
    summary = b"".join(client.get(path_of(links[1])).streaming_content).decode()
    assert "user-1" in summary
    assert "marketing" in summary


def test_the_download_link_expires_after_7_days(client, site, chosen, file_request, monkeypatch):
    dsr = _verified(client, file_request, right="portability")
    services.request_fulfil(request=dsr, actor="operator:owner", download_url=DOWNLOAD_URL)
    link = path_of(DOWNLOAD.findall(mail.outbox[-1].body)[0])
    assert client.get(link).status_code == 200
    later = time.time() + 7 * 86400 + 60
    monkeypatch.setattr("django.core.signing.time", SimpleNamespace(time=lambda: later))
    assert client.get(link).status_code == 404


def test_a_tampered_download_link_gives_nothing(client, site, chosen, file_request):
    dsr = _verified(client, file_request, right="access")
    services.request_fulfil(request=dsr, actor="operator:owner", download_url=DOWNLOAD_URL)
    link = path_of(DOWNLOAD.findall(mail.outbox[-1].body)[0])
    assert client.get(link.replace("export.json", "../../secret_key")).status_code == 404
    token = link.split("/")[4]
    assert client.get(link.replace(token, token[:-2] + "xx")).status_code == 404


def test_an_erasure_request_runs_the_erasure(client, site, chosen, file_request):
    dsr = _verified(client, file_request, right="erasure")
    services.request_fulfil(request=dsr, actor="operator:owner")
    assert not Subject.objects.filter(site=site, external_id="user-1").exists()
    assert DataSubjectRequest.objects.get(pk=dsr.pk).status == Status.FULFILLED


def test_an_opt_out_of_sale_withdraws_the_sale_share_purposes_in_the_ledger(client, site, chosen, file_request):
    dsr = _verified(client, file_request, right="opt_out_sale_share", jurisdiction="us")
    services.request_fulfil(request=dsr, actor="operator:owner")
    subject = Subject.objects.get(site=site, external_id="user-1")
    state = ledger_selectors.subject_state(site=site.key, subject=subject.pseudonym)
    assert state["marketing"].granted is False
    assert state["marketing"].kind == "withdrawn"
    assert state["analytics"].granted is True  # not a sale or sharing


def test_an_objection_withdraws_legitimate_interest_and_marketing_in_the_ledger(client, site, chosen, file_request):
    dsr = _verified(client, file_request, right="objection")
    services.request_fulfil(request=dsr, actor="operator:owner")
    subject = Subject.objects.get(site=site, external_id="user-1")
    state = ledger_selectors.subject_state(site=site.key, subject=subject.pseudonym)
    assert {purpose: row.kind for purpose, row in state.items() if not row.granted} == {
        "personalization": "objected",
        "marketing": "withdrawn",
    }


def test_a_right_that_needs_the_customer_id_is_not_fulfilled_without_it(client, site, file_request):
    dsr = _verified(client, file_request, right="erasure", customer_id="")
    with pytest.raises(services.DsrStateError) as refused:
        services.request_fulfil(request=dsr, actor="operator:owner")
    assert refused.value.field == "customer_id"
    assert DataSubjectRequest.objects.get(pk=dsr.pk).status == Status.VERIFIED


def test_every_step_is_in_the_ledger_without_personal_data(client, site, chosen, file_request):
    dsr = _verified(client, file_request, right="erasure", details="I am Ann Example of 1 Main St.")
    services.request_extend(request=dsr, reason="Backups too.", actor="operator:owner")
    services.request_fulfil(request=dsr, actor="operator:owner")

    rows = Evidence.objects.filter(data__request=str(dsr.id)).order_by("created_at")
    assert [row.data["step"] for row in rows] == ["received", "verified", "extended", "fulfilled"]
    events = Event.objects.filter(purpose="dsr.erasure")
    assert events.count() == 4
    assert {e.jurisdiction for e in events} == {"eu"}
    text = json.dumps([row.data for row in rows]) + " ".join(
        f"{e.subject_key} {e.purpose} {e.banner_version} {e.locale}" for e in events
    )
    for personal in ("ann@example.net", "user-1", "Ann Example", "Backups too."):
        assert personal not in text


def test_two_fulfilments_of_one_request_change_it_once(client, site, chosen, file_request):
    dsr = _verified(client, file_request, right="rectification")
    services.request_fulfil(request=dsr, actor="operator:owner")
    with pytest.raises(services.DsrStateError):
        services.request_fulfil(request=DataSubjectRequest.objects.get(pk=dsr.pk), actor="operator:other")
