"""The whole flow per jurisdiction: filed on the hosted form, confirmed by the e-mailed link, fulfilled."""

from datetime import timedelta

import pytest
from django.core import mail

from consent.dsr import services
from consent.dsr.models import DataSubjectRequest, Status
from tests.dsr.conftest import path_of, verify_link


@pytest.mark.parametrize(("jurisdiction", "days", "extension"), [("eu", 30, 30), ("uk", 30, 30), ("us", 45, 45)])
def test_a_request_goes_from_received_to_verified_to_fulfilled_on_its_jurisdictions_clock(
    client, site, file_request, jurisdiction, days, extension
):
    dsr = file_request(right="rectification", jurisdiction=jurisdiction, details="My surname is misspelt.")
    assert dsr.status == Status.RECEIVED
    assert dsr.due_at - dsr.received_at == timedelta(days=days)

    link = path_of(verify_link("ann@example.net"))
    assert client.get(link).status_code == 200  # a mail scanner following the link confirms nothing
    assert DataSubjectRequest.objects.get(pk=dsr.pk).status == Status.RECEIVED
    assert client.post(link).status_code == 200
    dsr.refresh_from_db()
    assert dsr.status == Status.VERIFIED

    services.request_extend(request=dsr, reason="Many systems to check.", actor="operator:owner")
    assert dsr.due_at - dsr.received_at == timedelta(days=days + extension)
    assert "Many systems to check." in mail.outbox[-1].body

    services.request_start(request=dsr, actor="operator:owner")
    services.request_fulfil(request=dsr, actor="operator:owner")
    dsr.refresh_from_db()
    assert dsr.status == Status.FULFILLED
    assert dsr.closed_at is not None
    assert "completed" in mail.outbox[-1].body


def test_it_extends_a_request_only_once(site, file_request):
    dsr = file_request()
    services.request_extend(request=dsr, reason="Busy.", actor="operator:owner")
    with pytest.raises(services.DsrStateError):
        services.request_extend(request=dsr, reason="Busier.", actor="operator:owner")


def test_it_refuses_an_extension_without_a_reason(site, file_request):
    dsr = file_request()
    with pytest.raises(services.DsrInputError) as refused:
        services.request_extend(request=dsr, reason="  ", actor="operator:owner")
    assert refused.value.field == "reason"


def test_the_form_speaks_japanese_and_runs_no_script(client, site):
    response = client.get(f"/privacy/requests/{site.key}/?lang=ja")
    assert response.status_code == 200
    assert "プライバシー" in response.content.decode()
    policy = response["Content-Security-Policy"]
    assert "default-src 'none'" in policy
    assert "script-src" not in policy
    assert "<script" not in response.content.decode()


def test_a_japanese_request_is_answered_in_japanese(client, site):
    client.post(
        f"/privacy/requests/{site.key}/?lang=ja",
        {"right": "access", "jurisdiction": "jp", "email": "taro@example.jp", "lang": "ja"},
    )
    assert DataSubjectRequest.objects.get().locale == "ja"
    assert "確認" in mail.outbox[-1].subject


def test_the_form_names_the_field_at_fault_and_files_nothing(client, site):
    response = client.post(f"/privacy/requests/{site.key}/", {"right": "teleport", "email": "not-an-address"})
    assert response.status_code == 400
    assert DataSubjectRequest.objects.count() == 0
    assert not mail.outbox


def test_an_unknown_site_has_no_form(client, db):
    assert client.get("/privacy/requests/nope/").status_code == 404


def test_a_refusal_tells_the_requester_the_reason(client, site, file_request):
    dsr = file_request()
    client.post(path_of(verify_link()))
    dsr.refresh_from_db()
    services.request_refuse(request=dsr, reason="We hold nothing under that id.", actor="operator:owner")
    dsr.refresh_from_db()
    assert dsr.status == Status.REFUSED
    assert "We hold nothing under that id." in mail.outbox[-1].body
