"""Every answer under /api/ is JSON in the one error shape: unknown paths, odd path values, 405, CSRF, 413, 500."""

import json
from urllib.parse import quote

import pytest
from django.test import Client

from consent.api.services import api_key_create

pytestmark = pytest.mark.django_db

MALFORMED = ["odd key", "null", "-1", "..", "%00", "ü", "a" * 300, "1.5", "<script>"]
VALID = {"site_key": "acme", "subject": "visitor-1", "destination_id": "1", "delivery_id": "1"}
METHODS = ["get", "post", "put", "patch", "delete"]


def assert_error_shape(response, *, status: int | None = None) -> dict:
    assert response["Content-Type"].startswith("application/json"), (response.status_code, response.content[:200])
    if status is None:
        assert 400 <= response.status_code < 500, (response.status_code, response.content[:200])
    else:
        assert response.status_code == status, response.content[:200]
    error = json.loads(response.content)["error"]
    assert set(error) == {"code", "message", "fields"}
    assert isinstance(error["fields"], dict)
    return error


def test_every_schema_route_answers_malformed_path_values_with_a_json_4xx(site):
    _, key = api_key_create(organization=site.organization, name="walker")
    client = Client(HTTP_AUTHORIZATION=f"Bearer {key}")
    schema = client.get("/api/schema/?format=json").json()
    walked = 0
    for template, item in schema["paths"].items():
        names = [name for name in VALID if "{" + name + "}" in template]
        assert names, template
        for name in names:
            for bad in MALFORMED:
                values = {**VALID, name: quote(bad, safe="%")}
                url = template
                for param, value in values.items():
                    url = url.replace("{" + param + "}", value)
                for method in METHODS:
                    if method not in item:
                        continue
                    response = client.generic(method.upper(), url, "{}", content_type="application/json")
                    assert_error_shape(response)
                    walked += 1
    assert walked > 150


@pytest.mark.parametrize(
    "path",
    ["/api/v1/nope", "/api/", "/api/v1/sites/acme/nope", "/api/v1/sites/demo/destinations/null", "/api/v1/public/x"],
)
def test_an_unknown_api_path_is_a_json_404(client, path):
    assert assert_error_shape(client.get(path), status=404)["code"] == "not_found"


def test_a_path_outside_the_api_keeps_its_html_404(client):
    response = client.get("/no-such-page")
    assert response.status_code == 404
    assert not response["Content-Type"].startswith("application/json")


def test_a_wrong_method_is_a_json_405_that_still_says_which_are_allowed(client, site):
    response = client.delete("/api/v1/public/sites/acme/config")
    assert assert_error_shape(response, status=405)["code"] == "method_not_allowed"
    assert "GET" in response["Allow"]
    assert_error_shape(client.get("/api/v1/public/sites/acme/consents"), status=405)


def test_a_csrf_refusal_on_a_public_endpoint_is_json(site):
    client = Client(enforce_csrf_checks=True)
    response = client.post("/api/v1/public/sites/acme/subjects/visitor-1/preferences", "{}", "application/json")
    assert assert_error_shape(response, status=403)["code"] == "csrf_failed"


def test_a_body_over_a_mebibyte_is_a_json_413_not_an_html_400(client, site):
    body = json.dumps({"subject": "x" * (1024 * 1024 + 10)})
    response = client.post("/api/v1/public/sites/acme/identify", body, content_type="application/json")
    assert assert_error_shape(response, status=413)["code"] == "too_large"


def test_a_huge_body_django_refuses_before_any_view_is_json_too(client, site):
    body = "x=" + "y" * (1024 * 1024 + 10)
    response = client.post(
        "/api/v1/public/sites/acme/subjects/visitor-1/preferences", body, "application/x-www-form-urlencoded"
    )
    assert_error_shape(response)


@pytest.mark.urls("tests.edge.urls")
def test_a_crash_under_the_api_is_a_json_500_and_elsewhere_the_usual_page():
    client = Client(raise_request_exception=False)
    error = assert_error_shape(client.get("/api/v1/crash"), status=500)
    assert error["code"] == "server_error"
    assert "a bug" not in error["message"]
    assert client.get("/crash").status_code == 500
