"""The identity link works once and for 24 hours; unverified requests expire and keep only what counts them."""

from datetime import timedelta

from django.utils import timezone

from consent.dsr import services
from consent.dsr.models import DataSubjectRequest, Status
from tests.dsr.conftest import agent_request, path_of, verify_link


def test_the_link_works_only_once(client, site, file_request):
    dsr = file_request()
    link = path_of(verify_link())
    assert client.post(link).status_code == 200
    assert client.post(link).status_code == 410
    dsr.refresh_from_db()
    assert dsr.status == Status.VERIFIED
    assert dsr.token_hash == ""


def test_the_link_stops_working_after_24_hours(client, site, file_request):
    dsr = file_request()
    link = path_of(verify_link())
    DataSubjectRequest.objects.filter(pk=dsr.pk).update(token_expires_at=timezone.now() - timedelta(seconds=1))
    assert client.post(link).status_code == 410
    assert DataSubjectRequest.objects.get(pk=dsr.pk).status == Status.RECEIVED


def test_a_link_of_one_site_does_not_verify_on_another(client, site, outsider_site, file_request):
    dsr = file_request()
    link = path_of(verify_link()).replace(f"/{site.key}/", f"/{outsider_site.key}/")
    assert client.post(link).status_code == 410
    assert DataSubjectRequest.objects.get(pk=dsr.pk).status == Status.RECEIVED


def test_a_made_up_token_verifies_nothing(client, site, file_request):
    file_request()
    assert client.post(f"/privacy/requests/{site.key}/verify/{'x' * 43}/").status_code == 410


def test_unverified_requests_expire_with_their_personal_fields_wiped(site, file_request, var_dir):
    dsr = agent_request(site, right="erasure", customer_id="user-1", details="Please erase me.")
    proof = var_dir / "dsr" / "proofs" / dsr.proof_file
    assert proof.exists()
    fresh = file_request()

    expired = services.requests_expire_unverified(now=timezone.now() + timedelta(hours=24, seconds=1))

    assert expired == 2  # both lapsed by then
    dsr.refresh_from_db()
    assert dsr.status == Status.EXPIRED
    assert (dsr.email, dsr.customer_id, dsr.details, dsr.agent_name, dsr.agent_email, dsr.proof_file) == (
        "",
        "",
        "",
        "",
        "",
        "",
    )
    assert not proof.exists()
    assert (dsr.right, dsr.jurisdiction) == ("erasure", "us")  # still counted
    assert DataSubjectRequest.objects.get(pk=fresh.pk).status == Status.EXPIRED


def test_it_leaves_requests_whose_link_still_works(site, file_request):
    dsr = file_request()
    assert services.requests_expire_unverified(now=timezone.now() + timedelta(hours=23)) == 0
    assert DataSubjectRequest.objects.get(pk=dsr.pk).status == Status.RECEIVED


def test_it_leaves_verified_requests_alone(client, site, file_request):
    dsr = file_request()
    client.post(path_of(verify_link()))
    assert services.requests_expire_unverified(now=timezone.now() + timedelta(days=2)) == 0
    assert DataSubjectRequest.objects.get(pk=dsr.pk).email == "ann@example.net"
