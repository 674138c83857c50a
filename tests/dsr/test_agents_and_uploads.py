"""Agents need an accepted proof of authority; proofs are checked by their bytes, sized, stored and deleted."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from consent.dsr import services
from consent.dsr.files import PROOF_MAX_BYTES
from consent.dsr.models import DataSubjectRequest, ProofStatus, Status
from tests.dsr.conftest import PDF, PNG, path_of, verify_link


def _agent_post(client, site, proof: SimpleUploadedFile | None, **extra):
    data = {
        "right": "access",
        "jurisdiction": "us",
        "email": "ann@example.net",
        "customer_id": "user-1",
        "agent_name": "Bob Agent",
        "agent_email": "bob@agents.example",
        **extra,
    }
    if proof is not None:
        data["agent_proof"] = proof
    return client.post(f"/privacy/requests/{site.key}/", data)


def test_an_agent_request_is_refused_until_the_proof_is_accepted(client, site):
    assert _agent_post(client, site, SimpleUploadedFile("poa.pdf", PDF)).status_code == 200
    dsr = DataSubjectRequest.objects.get()
    assert dsr.proof_status == ProofStatus.PENDING
    client.post(path_of(verify_link("ann@example.net")))
    dsr.refresh_from_db()
    assert dsr.status == Status.VERIFIED

    with pytest.raises(services.DsrStateError) as refused:
        services.request_start(request=dsr, actor="operator:owner")
    assert refused.value.field == "agent_proof"
    with pytest.raises(services.DsrStateError):
        services.request_fulfil(
            request=dsr, actor="operator:owner", download_url="https://x.example/{token}/{filename}"
        )

    services.request_proof_decide(request=dsr, accepted=True, actor="operator:owner")
    services.request_fulfil(request=dsr, actor="operator:owner", download_url="https://x.example/{token}/{filename}")
    dsr.refresh_from_db()
    assert dsr.status == Status.FULFILLED


def test_a_rejected_proof_keeps_the_request_from_being_fulfilled(client, site):
    _agent_post(client, site, SimpleUploadedFile("poa.png", PNG))
    dsr = DataSubjectRequest.objects.get()
    client.post(path_of(verify_link()))
    services.request_proof_decide(request=dsr, accepted=False, actor="operator:owner")
    dsr.refresh_from_db()
    with pytest.raises(services.DsrStateError):
        services.request_start(request=dsr, actor="operator:owner")


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("poa.pdf", b"<html><script>alert(1)</script></html>"),  # a PDF by name only
        ("poa.exe", b"MZ\x90\x00"),
        ("poa.gif", b"GIF89a" + b"\x00" * 20),
        ("poa.pdf", b""),
    ],
)
def test_it_refuses_a_proof_that_is_not_a_pdf_png_or_jpeg_by_its_bytes(client, site, var_dir, name, content):
    response = _agent_post(client, site, SimpleUploadedFile(name, content, content_type="application/pdf"))
    assert response.status_code == 400
    assert "PDF, PNG or JPEG" in response.content.decode()
    assert DataSubjectRequest.objects.count() == 0
    proofs = var_dir / "dsr" / "proofs"
    assert not proofs.exists() or not any(proofs.iterdir())


def test_it_refuses_a_proof_over_5_mb(client, site):
    big = SimpleUploadedFile("poa.pdf", PDF + b"0" * PROOF_MAX_BYTES, content_type="application/pdf")
    response = _agent_post(client, site, big)
    assert response.status_code == 400
    assert "5 MB" in response.content.decode()
    assert DataSubjectRequest.objects.count() == 0


def test_an_agent_must_attach_a_proof(client, site):
    response = _agent_post(client, site, None)
    assert response.status_code == 400
    assert DataSubjectRequest.objects.count() == 0


def test_the_proof_is_stored_outside_the_web_root_under_a_random_name_and_deleted_with_the_request(
    client, site, var_dir
):
    _agent_post(client, site, SimpleUploadedFile("../../etc/passwd.pdf", PDF))
    dsr = DataSubjectRequest.objects.get()
    stored = var_dir / "dsr" / "proofs" / dsr.proof_file
    assert stored.read_bytes() == PDF
    assert len(dsr.proof_file) == 32
    assert "passwd" not in dsr.proof_file
    services.request_delete(request=dsr)
    assert not stored.exists()
    assert DataSubjectRequest.objects.count() == 0


def test_a_body_declared_larger_than_any_proof_is_refused_before_it_is_read(client, site):
    response = client.post(
        f"/api/v1/public/sites/{site.key}/requests",
        {"right": "access", "email": "a@example.net"},
        content_type="application/json",
        CONTENT_LENGTH=str(50 * 1024 * 1024),
    )
    assert response.status_code == 413
    assert DataSubjectRequest.objects.count() == 0
