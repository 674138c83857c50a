"""Tenant isolation: an outsider's key walks every operation of the schema and learns nothing."""

import pytest
from rest_framework.test import APIClient

from consent.hooks.models import Delivery, Destination
from consent.hooks.services import destination_create
from ledger.services import checkpoint_sign, log_integrate

pytestmark = pytest.mark.django_db


@pytest.fixture
def acme_objects(site, record, settings):
    """A subject, an integrated and signed event, a destination and a delivery of Acme's."""
    settings.ASSENT_ALLOW_PRIVATE_DESTINATIONS = True
    destination, _ = destination_create(site=site, url="http://127.0.0.1:9/hooks", purposes=[])
    _, receipt = record("visitor-1", {"analytics": True, "marketing": True})
    log_integrate(site=site.key)
    checkpoint_sign(site=site.key)
    return {
        "site_key": "acme",
        "subject": "visitor-1",
        "destination_id": destination.pk,
        "delivery_id": Delivery.objects.get(destination=destination).pk,
        "event": receipt.event_ids[0],
        "receipt": receipt.id,
    }


def operations():
    """Yield (method, path template, operation) for every site operation the schema documents."""
    schema = APIClient().get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    for path, item in schema["paths"].items():
        if path.startswith("/api/v1/sites/"):
            for method, operation in item.items():
                if method in {"get", "post", "patch", "put", "delete"}:
                    yield method, path, operation


def example_body(operation):
    content = operation.get("requestBody", {}).get("content", {}).get("application/json", {})
    examples = list(content.get("examples", {}).values())
    return examples[0]["value"] if examples else {}


def test_an_outsiders_key_gets_404_from_every_operation_on_acme(outsider_api, acme_objects):
    walked = 0
    for method, template, operation in operations():
        path = template
        for name, value in acme_objects.items():
            path = path.replace("{" + name + "}", str(value))
        query = {"event": acme_objects["event"], "purpose": "marketing", "from": 1, "to": 1}
        if method == "get":
            response = outsider_api.get(path, query)
        else:
            response = getattr(outsider_api, method)(path, example_body(operation), format="json")
        assert response.status_code == 404, f"{method.upper()} {path}: {response.status_code}"
        assert response.json()["error"]["code"] == "not_found"
        walked += 1
    assert walked >= 19
    assert Destination.objects.filter(pk=acme_objects["destination_id"]).exists()


def test_an_outsider_cannot_reach_acmes_objects_through_its_own_site(outsider_api, acme_objects):
    other = "/api/v1/sites/other"
    assert outsider_api.get(f"{other}/subjects/visitor-1").status_code == 404
    assert outsider_api.get(f"{other}/ledger/proofs/inclusion", {"event": acme_objects["event"]}).status_code == 404
    destination = f"{other}/destinations/{acme_objects['destination_id']}"
    assert outsider_api.get(destination).status_code == 404
    assert outsider_api.get(f"{destination}/deliveries/{acme_objects['delivery_id']}").status_code == 404
    assert outsider_api.post(f"{destination}/rotate-secret").status_code == 404
    checked = outsider_api.post(
        f"{other}/consents/check", {"subjects": ["visitor-1"], "purposes": ["analytics"]}, format="json"
    )
    # The same id on the outsider's own site is a stranger there: Acme's answer never leaks through.
    assert checked.status_code == 200
    assert checked.json()["results"] == [{"subject": "visitor-1", "known": False, "purposes": {"analytics": False}}]


@pytest.mark.parametrize(
    ("path", "params", "status"),
    [
        ("events", {"since": 2**70}, 400),
        ("ledger/proofs/inclusion", {"event": "01890a5d-ac96-774b-bcce-b302099a8057", "size": 2**70}, 400),
        ("ledger/proofs/consistency", {"from": 2**70, "to": 2**71}, 400),
        (f"destinations/{2**70}", {}, 404),
        (f"destinations/1/deliveries/{2**70}", {}, 404),
    ],
)
def test_numbers_beyond_a_database_integer_are_refused_not_a_server_error(api, site, path, params, status):
    assert api.get(f"/api/v1/sites/acme/{path}", params).status_code == status
