"""The public endpoint and the marketer API of requests; another organization sees nothing."""

from datetime import timedelta

from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile

from consent.dsr.models import AccessLogEntry, DataSubjectRequest, Status
from consent.regions.models import Regulation
from tests.dsr.conftest import PDF, path_of, verify_link

PUBLIC = "/api/v1/public/sites/{key}/requests"


def test_a_visitor_files_a_request_through_the_public_endpoint(client, site):
    response = client.post(
        PUBLIC.format(key=site.key),
        {"right": "erasure", "jurisdiction": "us", "email": "ann@example.net", "customer_id": "user-1"},
        content_type="application/json",
        HTTP_ORIGIN="https://acme.example",
    )
    assert response.status_code == 201
    body = response.json()
    assert body["right"] == "erasure"
    assert body["status"] == "received"
    assert "email" not in body
    assert response["Access-Control-Allow-Origin"] == "https://acme.example"
    assert verify_link("ann@example.net")


def test_the_public_endpoint_names_the_field_at_fault_and_files_nothing(client, site):
    response = client.post(
        PUBLIC.format(key=site.key), {"right": "access", "email": "nope"}, content_type="application/json"
    )
    assert response.status_code == 400
    assert set(response.json()["error"]) == {"code", "message", "fields"}
    assert "email" in response.json()["error"]["fields"]
    unknown = client.post(
        PUBLIC.format(key=site.key),
        {"right": "access", "email": "a@example.net", "is_admin": True},
        content_type="application/json",
    )
    assert unknown.status_code == 400
    assert "is_admin" in unknown.json()["error"]["fields"]
    assert DataSubjectRequest.objects.count() == 0
    assert not mail.outbox


def test_the_public_endpoint_allows_no_other_origin(client, site):
    response = client.post(
        PUBLIC.format(key=site.key),
        {"right": "access", "email": "a@example.net"},
        content_type="application/json",
        HTTP_ORIGIN="https://evil.example",
    )
    assert "Access-Control-Allow-Origin" not in response


def test_the_public_endpoint_takes_an_agents_proof_as_multipart(client, site):
    response = client.post(
        PUBLIC.format(key=site.key),
        {
            "right": "access",
            "email": "ann@example.net",
            "agent_name": "Bob",
            "agent_email": "bob@agents.example",
            "agent_proof": SimpleUploadedFile("poa.pdf", PDF),
        },
    )
    assert response.status_code == 201, response.content
    assert DataSubjectRequest.objects.get().proof_status == "pending"


def test_a_client_that_files_too_many_requests_is_told_to_wait(client, site, settings):
    settings.ASSENT_DSR_RATE_PER_CLIENT = 2
    codes = [
        client.post(
            PUBLIC.format(key=site.key), {"right": "access", "email": "a@example.net"}, content_type="application/json"
        ).status_code
        for _ in range(3)
    ]
    assert codes == [201, 201, 429]


def test_the_marketer_lists_files_and_reads_requests(client, api, site):
    created = api.post(
        f"/api/v1/sites/{site.key}/requests",
        {"right": "access", "jurisdiction": "uk", "email": "ann@example.net", "customer_id": "user-1"},
        format="json",
    )
    assert created.status_code == 201, created.content
    client.post(path_of(verify_link()))
    listed = api.get(f"/api/v1/sites/{site.key}/requests")
    assert listed.status_code == 200
    [row] = listed.json()["results"]
    assert {"right", "status", "received_at", "due_at"} <= set(row)
    assert row["status"] == Status.VERIFIED
    assert "email" not in row
    one = api.get(f"/api/v1/sites/{site.key}/requests/{row['id']}")
    assert one.status_code == 200
    assert one.json()["email"] == "ann@example.net"
    assert AccessLogEntry.objects.filter(action="dsr.read", subject_ref=f"request:{row['id']}").exists()


def test_the_marketer_api_pages_with_a_cursor(api, site):
    for n in range(3):
        api.post(f"/api/v1/sites/{site.key}/requests", {"right": "access", "email": f"p{n}@example.net"}, format="json")
    first = api.get(f"/api/v1/sites/{site.key}/requests?limit=2").json()
    second = api.get(f"/api/v1/sites/{site.key}/requests?limit=2&cursor={first['next']}").json()
    ids = [r["id"] for r in first["results"] + second["results"]]
    assert len(ids) == len(set(ids)) == 3


def test_the_marketer_api_refuses_bad_input_in_the_one_error_shape(api, site):
    response = api.post(f"/api/v1/sites/{site.key}/requests", {"right": "teleport"}, format="json")
    assert response.status_code == 400
    assert {"right", "email"} <= set(response.json()["error"]["fields"])
    assert DataSubjectRequest.objects.count() == 0


def test_another_organizations_key_sees_nothing(api, outsider_api, site, outsider_site):
    created = api.post(
        f"/api/v1/sites/{site.key}/requests", {"right": "access", "email": "a@example.net"}, format="json"
    )
    request_id = created.json()["id"]
    assert outsider_api.get(f"/api/v1/sites/{site.key}/requests").status_code == 404
    assert outsider_api.get(f"/api/v1/sites/{site.key}/requests/{request_id}").status_code == 404
    assert outsider_api.get(f"/api/v1/sites/{outsider_site.key}/requests/{request_id}").status_code == 404
    assert outsider_api.get(f"/api/v1/sites/{site.key}/access-log").status_code == 404
    assert outsider_api.get(f"/api/v1/sites/{outsider_site.key}/requests").json()["results"] == []


def test_a_key_without_the_write_scope_cannot_file(make_client, site):
    reader = make_client(site.organization, scopes=["consent:read"])
    response = reader.post(f"/api/v1/sites/{site.key}/requests", {"right": "access", "email": "a@example.net"})
    assert response.status_code == 403
    assert reader.get(f"/api/v1/sites/{site.key}/requests").status_code == 200


def test_the_access_log_lists_the_sites_entries(api, site, outsider_site):
    from consent.dsr.services import access_log_record

    access_log_record(actor="operator:owner", action="dsr.viewed", subject_ref="request:1", site=site, ip="192.0.2.1")
    access_log_record(actor="operator:x", action="dsr.viewed", subject_ref="request:2", site=outsider_site)
    body = api.get(f"/api/v1/sites/{site.key}/access-log").json()
    assert [(e["actor"], e["ip"]) for e in body["results"]] == [("operator:owner", "192.0.2.1")]


def test_the_schema_documents_the_request_endpoints(client, db):
    schema = client.get("/api/schema/?format=json").json()
    assert "/api/v1/sites/{site_key}/requests" in schema["paths"]
    assert "/api/v1/sites/{site_key}/access-log" in schema["paths"]


def test_the_marketer_files_an_agents_request_with_its_proof_as_multipart(api, site):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from tests.dsr.conftest import PNG

    fields = {"right": "erasure", "jurisdiction": "us", "email": "ann@example.net", "agent_name": "Bob"}
    fields["agent_email"] = "bob@agents.example"
    without = api.post(f"/api/v1/sites/{site.key}/requests", fields, format="json")
    assert without.status_code == 400
    assert "agent_proof" in without.json()["error"]["fields"]
    fake = api.post(
        f"/api/v1/sites/{site.key}/requests",
        {**fields, "agent_proof": SimpleUploadedFile("poa.png", b"not a png at all")},
        format="multipart",
    )
    assert fake.status_code == 400
    assert "agent_proof" in fake.json()["error"]["fields"]
    assert DataSubjectRequest.objects.count() == 0
    filed = api.post(
        f"/api/v1/sites/{site.key}/requests",
        {**fields, "agent_proof": SimpleUploadedFile("poa.png", PNG)},
        format="multipart",
    )
    assert filed.status_code == 201
    assert filed.json()["proof_status"] == "pending"


def test_the_marketer_files_a_request_on_a_named_regulations_clock(api, site):
    Regulation.objects.create(
        site=site, slug="us", name="US state laws", model="opt_out", regions=["US"], response_days=40
    )
    created = api.post(
        f"/api/v1/sites/{site.key}/requests",
        {"right": "access", "jurisdiction": "us", "regulation": "us", "email": "ann@example.net"},
        format="json",
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["regulation"] == "us"
    dsr = DataSubjectRequest.objects.get(id=body["id"])
    assert dsr.due_at - dsr.received_at == timedelta(days=40)


def test_the_marketer_cannot_name_a_regulation_the_site_lacks(api, site, outsider_site):
    Regulation.objects.create(site=outsider_site, slug="us", name="US", model="opt_out", regions=["US"])
    response = api.post(
        f"/api/v1/sites/{site.key}/requests",
        {"right": "access", "regulation": "us", "email": "ann@example.net"},
        format="json",
    )
    assert response.status_code == 400
    assert "regulation" in response.json()["error"]["fields"]
    assert not DataSubjectRequest.objects.exists()
