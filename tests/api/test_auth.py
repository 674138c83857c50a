"""Who may call the API: bearer keys, scopes, limits to sites, throttling, the error shape."""

from datetime import timedelta

import pytest
from django.test import override_settings
from django.utils import timezone
from rest_framework.test import APIClient

from consent.api.keys import key_generate
from consent.api.models import ApiKey
from consent.api.services import api_key_revoke

pytestmark = pytest.mark.django_db

URL = "/api/v1/sites/acme/subjects/visitor-1"


@pytest.fixture
def chosen(record):
    record("visitor-1", {"analytics": True, "marketing": False})


def assert_error(response, status, code):
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) == {"error"}
    assert set(body["error"]) == {"code", "message", "fields"}
    assert body["error"]["code"] == code
    return body["error"]


def test_a_request_without_a_key_is_refused_with_401_and_a_bearer_challenge(site, chosen):
    response = APIClient().get(URL)
    assert_error(response, 401, "not_authenticated")
    assert response["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.parametrize(
    "header",
    ["Bearer", "Basic dXNlcjpwYXNz", "Bearer not-a-key", "Bearer a b", "Token ak_live_x"],
)
def test_a_malformed_authorization_header_is_refused_with_401(site, chosen, header):
    response = APIClient().get(URL, HTTP_AUTHORIZATION=header)
    assert_error(response, 401, "authentication_failed")


def test_a_well_formed_but_unknown_key_is_refused_with_401(site, chosen):
    response = APIClient().get(URL, HTTP_AUTHORIZATION=f"Bearer {key_generate()}")
    assert_error(response, 401, "authentication_failed")


def test_a_revoked_key_is_refused_with_401(api, chosen):
    api_key_revoke(api_key=ApiKey.objects.get())
    error = assert_error(api.get(URL), 401, "authentication_failed")
    assert "revoked" in error["message"]


def test_an_expired_key_is_refused_with_401(api, chosen):
    ApiKey.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    error = assert_error(api.get(URL), 401, "authentication_failed")
    assert "expired" in error["message"]


def test_a_valid_key_is_accepted_and_its_last_use_recorded(api, chosen):
    assert ApiKey.objects.get().last_used_at is None
    assert api.get(URL).status_code == 200
    assert ApiKey.objects.get().last_used_at is not None


def test_a_key_without_the_scope_is_refused_with_403(make_client, site, chosen):
    client = make_client(site.organization, scopes=["ledger:read"])
    error = assert_error(client.get(URL), 403, "permission_denied")
    assert "consent:read" in error["message"]


def test_a_key_limited_to_other_sites_gets_404_for_this_one(make_client, site, chosen, organization):
    from tests.factories import published_site

    second = published_site(organization=organization, key="acme-shop")
    limited = make_client(organization, sites=[second])
    assert_error(limited.get(URL), 404, "not_found")
    assert limited.get("/api/v1/sites/acme-shop/subjects/nobody").status_code == 404  # the site is visible
    assert make_client(organization, sites=[site]).get(URL).status_code == 200


def test_a_key_never_sees_another_organizations_site(outsider_api, site, chosen):
    assert_error(outsider_api.get(URL), 404, "not_found")


@override_settings(ASSENT_API_RATE_PER_KEY=3)
def test_a_key_over_its_rate_gets_429_with_retry_after(api, make_client, site, chosen):
    for _ in range(3):
        assert api.get(URL).status_code == 200
    response = api.get(URL)
    assert_error(response, 429, "throttled")
    assert 1 <= int(response["Retry-After"]) <= 60
    assert make_client(site.organization).get(URL).status_code == 200  # another key has its own budget


def test_a_body_over_the_size_limit_is_refused_with_413(api, site):
    body = '{"subjects": ["' + "x" * 300_000 + '"], "purposes": ["analytics"]}'
    response = api.post("/api/v1/sites/acme/consents/check", body, content_type="application/json")
    assert_error(response, 413, "request_too_large")


def test_malformed_json_is_refused_with_400(api, site):
    response = api.post("/api/v1/sites/acme/consents/check", "{nope", content_type="application/json")
    assert_error(response, 400, "parse_error")
