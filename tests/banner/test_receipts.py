"""The visitor's receipt bundle: public, for the holder of the receipt's signature only, rate limited."""

import gzip
import json
import uuid
from pathlib import Path
from urllib.parse import urlencode

import pytest
from django.conf import settings
from django.test import override_settings

from ledger.keys import verification_keys
from ledger.receipt_verify import bundle_verify
from ledger.services import checkpoint_sign, log_integrate

SUBJECT = "0f1e2d3c4b5a69788796a5b4c3d2e1f0"
CHOICES = {"analytics": True, "marketing": False}


def _choose(client, site):
    body = {
        "subject": SUBJECT,
        "choices": CHOICES,
        "banner_version": site.banner_versions.get().content_hash,
        "method": "custom",
        "locale": "en",
    }
    response = client.post("/api/v1/public/sites/acme/consents", json.dumps(body), content_type="application/json")
    assert response.status_code == 201, response.content
    return response.json()


def _bundle(client, receipt, signature, **headers):
    query = urlencode({"signature": signature})
    return client.get(f"/api/v1/public/sites/acme/receipts/{receipt}?{query}", **headers)


@pytest.mark.django_db
def test_the_visitor_downloads_a_bundle_that_verifies_offline(client, site):
    receipt = _choose(client, site)
    log_integrate(site=site.key)
    checkpoint_sign(site=site.key)
    response = _bundle(client, receipt["receipt"], receipt["signature"])
    assert response.status_code == 200, response.content
    assert response["Content-Disposition"] == f'attachment; filename="receipt-{receipt["receipt"]}.json"'
    assert "no-store" in response["Cache-Control"]
    summary = bundle_verify(json.loads(response.content), verification_keys())
    assert summary.decisions == {"analytics": True, "essential": True, "marketing": False}


@pytest.mark.django_db
def test_the_bundle_is_pending_with_retry_after_until_a_checkpoint_covers_it(client, site):
    receipt = _choose(client, site)
    response = _bundle(client, receipt["receipt"], receipt["signature"])
    assert response.status_code == 202
    assert response.json()["status"] == "pending"
    assert int(response["Retry-After"]) > 0


@pytest.mark.django_db
def test_without_the_receipts_signature_a_stranger_learns_nothing(client, site):
    receipt = _choose(client, site)
    log_integrate(site=site.key)
    checkpoint_sign(site=site.key)
    other = _choose(client, site)  # another receipt's genuine signature
    for signature in (other["signature"], "A" * 88, "not base64!"):
        response = _bundle(client, receipt["receipt"], signature)
        assert response.status_code == 404
        assert response.json()["error"]["code"] == "not_found"
    assert _bundle(client, "not-a-receipt", receipt["signature"]).json()["error"]["code"] == "not_found"
    unknown = _bundle(client, uuid.uuid4(), receipt["signature"])
    assert unknown.status_code == 404
    assert unknown.content == _bundle(client, receipt["receipt"], other["signature"]).content
    missing = client.get(f"/api/v1/public/sites/acme/receipts/{receipt['receipt']}")
    assert missing.status_code == 400
    assert missing.json()["error"]["fields"] == {"signature": [missing.json()["error"]["message"][11:]]}


@pytest.mark.django_db
@override_settings(ASSENT_PUBLIC_RATE_PER_CLIENT=1)
def test_guessing_signatures_is_rate_limited(client, site):
    receipt = _choose(client, site)
    statuses = [_bundle(client, receipt["receipt"], f"{'A' * 86}{n:02d}").status_code for n in range(12)]
    assert statuses[0] == 404
    assert statuses[-1] == 429


def test_the_banner_with_its_receipt_link_stays_within_its_7_kb_gzip_budget():
    bundle = Path(settings.BASE_DIR) / "static" / "banner" / "dist" / "assent.js"
    assert len(gzip.compress(bundle.read_bytes(), 9, mtime=0)) <= 7 * 1024
