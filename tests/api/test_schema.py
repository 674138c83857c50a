"""The OpenAPI schema describes the API truthfully: Schemathesis drives every operation from it."""

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db

# A few hundred generated requests in all: enough to find a 500 or a lie, within the suite's budget.
EXAMPLES_PER_OPERATION = 20


def test_the_schema_and_swagger_ui_are_served_from_this_server(site):
    schema = APIClient().get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert schema.status_code == 200
    paths = schema.json()["paths"]
    assert "/api/v1/sites/{site_key}/subjects/{subject}" in paths
    docs = APIClient().get("/api/docs/")
    assert docs.status_code == 200
    html = docs.content.decode()
    assert "swagger-ui" in html
    assert "cdn" not in html.lower()


def test_every_operation_documents_examples_and_the_error_shape(site):
    schema = APIClient().get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    for path, item in schema["paths"].items():
        if not path.startswith("/api/v1/sites/"):
            continue
        for method, operation in item.items():
            if method == "parameters":
                continue
            responses = operation["responses"]
            for code in ("401", "403", "404", "429"):
                assert code in responses, f"{method} {path} does not document {code}"
                content = responses[code]["content"]["application/json"]
                assert content["schema"] == {"$ref": "#/components/schemas/Error"}
            examples = [
                r["content"]["application/json"].get("examples")
                for c, r in responses.items()
                if c.startswith("2") and "content" in r
            ]
            assert any(examples), f"{method} {path} has no example answer"
            if "requestBody" in operation:
                assert operation["requestBody"]["content"]["application/json"].get("examples"), f"{method} {path}"


@pytest.fixture
def in_process_wsgi():
    """Keep the test's transaction open across WSGI calls, as Django's test client does."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


def test_schemathesis_finds_no_server_error_and_no_answer_outside_the_schema(
    site, record, make_client, in_process_wsgi
):
    record("visitor-1", {"analytics": True, "marketing": False})
    key = make_client(site.organization).key
    schema = schemathesis.from_wsgi("/api/schema/", get_wsgi_application()).include(path_regex="^/api/v1/sites/")
    sites = st.sampled_from(["acme", "acme", "acme", "other", "nope"])
    subjects = st.sampled_from(["visitor-1", "visitor-1", "nobody"])
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 9

    for operation in operations:

        @given(case=operation.as_strategy(), site_key=sites, subject=subjects)
        @settings(
            max_examples=EXAMPLES_PER_OPERATION,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def check(case, site_key, subject):
            if case.path_parameters:
                case.path_parameters["site_key"] = site_key
                if "subject" in case.path_parameters:
                    case.path_parameters["subject"] = subject
            case.headers = {**(case.headers or {}), "Authorization": f"Bearer {key}"}
            response = case.call_wsgi()
            case.validate_response(response)

        check()
