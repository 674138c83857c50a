"""The vendors bundle: sent only to sites with a per-vendor purpose, after the banner and the declaration."""

import gzip
import json

from consent.banner.selectors import DECLARATION_BUNDLE_PATH, VENDORS_BUNDLE_PATH, bundle_text
from consent.models import Purpose
from tests.consent.test_vendors import vendors_enable

URL = "/api/v1/public/sites/acme/consents"


def test_a_site_without_per_vendor_purposes_never_sends_the_vendors_bundle(client, site):
    Purpose.objects.filter(site=site, slug="analytics").update(vendors=["Google Analytics"])
    assert bundle_text(VENDORS_BUNDLE_PATH) not in client.get("/c/acme.js").content.decode()


def test_a_published_per_vendor_purpose_brings_the_bundle_after_the_banner(client, site):
    vendors_enable(site)
    body = client.get("/c/acme.js").content.decode()
    assert body.index(bundle_text()) < body.index(bundle_text(VENDORS_BUNDLE_PATH)) < body.rindex("})(")
    assert '"key":"analytics:ga"' in body


def test_the_vendors_bundle_wraps_the_declarations_hook_so_comes_after_it(client, site):
    analytics = site.purposes.get(slug="analytics")
    analytics.cookies = [{"name": "_ga", "provider": "Google"}]
    analytics.save()
    vendors_enable(site)
    body = client.get("/c/acme.js").content.decode()
    assert body.index(bundle_text(DECLARATION_BUNDLE_PATH)) < body.index(bundle_text(VENDORS_BUNDLE_PATH))


def test_the_toggles_live_only_in_their_own_small_bundle():
    main = bundle_text()
    vendors = bundle_text(VENDORS_BUNDLE_PATH)
    assert "fieldset" not in main
    assert "fieldset" in vendors
    assert "innerHTML" not in vendors
    assert len(gzip.compress(vendors.encode(), 9, mtime=0)) <= 1536


def test_the_public_endpoint_records_vendor_keys_and_refuses_unknown_ones(client, site):
    vendors_enable(site)
    version = site.banner_versions.order_by("-number").first().content_hash
    body = {
        "subject": "0f1e2d3c4b5a69788796a5b4c3d2e1f0",
        "choices": {"analytics": True, "analytics:ga": True, "analytics:hotjar-ltd": False},
        "banner_version": version,
        "method": "custom",
        "locale": "en",
        "idempotency_key": "key-0001",
    }
    response = client.post(URL, json.dumps(body), content_type="application/json")
    assert response.status_code == 201, response.content
    assert response.json()["state"]["analytics:hotjar-ltd"] is False
    body["choices"] = {"analytics:fb": True}
    body["idempotency_key"] = "key-0002"
    refused = client.post(URL, json.dumps(body), content_type="application/json")
    assert refused.status_code == 400
    assert "choices.analytics:fb" in refused.json()["error"]["fields"]
