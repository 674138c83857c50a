"""Checkpoints and proofs through the API: what a client gets verifies against the signed tree."""

import uuid

import pytest

from ledger import merkle
from ledger.services import checkpoint_sign, log_integrate

pytestmark = pytest.mark.django_db

BASE = "/api/v1/sites/acme/ledger"


@pytest.fixture
def signed(site, record):
    """Two signed checkpoints: after the first choice and after two more."""
    _, first = record("visitor-1", {"analytics": True})
    log_integrate(site=site.key)
    checkpoint_sign(site=site.key)
    record("visitor-2", {"marketing": True})
    record("visitor-3", {"marketing": False})
    log_integrate(site=site.key)
    checkpoint_sign(site=site.key)
    return first


def test_checkpoints_come_newest_first_with_the_keys_that_verify_them(api, signed):
    body = api.get(f"{BASE}/checkpoints").json()
    sizes = [checkpoint["size"] for checkpoint in body["checkpoints"]]
    assert sizes == sorted(sizes, reverse=True)
    assert len(sizes) >= 2
    assert body["checkpoints"][0]["note"].startswith(body["checkpoints"][0]["origin"])
    assert any(key["current"] for key in body["public_keys"])
    assert api.get(f"{BASE}/checkpoints", {"limit": 1}).json()["checkpoints"][0]["size"] == sizes[0]


def test_an_inclusion_proof_verifies_against_the_checkpoint_root(api, signed):
    event_id = signed.event_ids[0]
    proof = api.get(f"{BASE}/proofs/inclusion", {"event": event_id}).json()
    assert proof["event_id"] == str(event_id)
    hashes = [bytes.fromhex(item) for item in proof["proof"]]
    assert merkle.verify_inclusion(
        proof["leaf_index"], proof["tree_size"], bytes.fromhex(proof["leaf_hash"]), hashes, bytes.fromhex(proof["root"])
    )
    assert not merkle.verify_inclusion(
        proof["leaf_index"], proof["tree_size"], bytes(32), hashes, bytes.fromhex(proof["root"])
    )


def test_a_consistency_proof_verifies_between_two_sizes(api, signed):
    sizes = sorted(c["size"] for c in api.get(f"{BASE}/checkpoints").json()["checkpoints"])
    proof = api.get(f"{BASE}/proofs/consistency", {"from": sizes[0], "to": sizes[-1]}).json()
    assert merkle.verify_consistency(
        proof["size1"],
        proof["size2"],
        bytes.fromhex(proof["root1"]),
        bytes.fromhex(proof["root2"]),
        [bytes.fromhex(item) for item in proof["proof"]],
    )
    assert proof["checkpoint2"] is not None


def test_an_event_not_yet_in_the_log_or_unknown_is_404(api, site, record):
    _, receipt = record("visitor-9", {"analytics": True})  # appended, not integrated
    assert api.get(f"{BASE}/proofs/inclusion", {"event": receipt.event_ids[0]}).status_code == 404
    assert api.get(f"{BASE}/proofs/inclusion", {"event": str(uuid.uuid4())}).status_code == 404


@pytest.mark.parametrize(
    ("path", "params", "field"),
    [
        ("proofs/inclusion", {}, "event"),
        ("proofs/inclusion", {"event": "not-a-uuid"}, "event"),
        ("proofs/consistency", {"from": 2}, "to"),
        ("proofs/consistency", {"from": 0, "to": 1}, "from"),
        ("proofs/consistency", {"from": 3, "to": 2}, "from"),
        ("proofs/consistency", {"from": 1, "to": 10**6}, "to"),
        ("checkpoints", {"limit": 0}, "limit"),
    ],
)
def test_a_bad_parameter_is_named(api, signed, path, params, field):
    response = api.get(f"{BASE}/{path}", params)
    assert response.status_code == 400, response.content
    assert field in response.json()["error"]["fields"]


def test_the_ledger_needs_its_scope(make_client, site, signed):
    reader = make_client(site.organization, scopes=["consent:read"])
    assert reader.get(f"{BASE}/checkpoints").status_code == 403
    assert reader.get(f"{BASE}/proofs/inclusion", {"event": signed.event_ids[0]}).status_code == 403


def test_a_receipt_bundle_verifies_offline_and_another_organization_cannot_fetch_it(api, outsider_api, signed):
    from ledger.keys import verification_keys
    from ledger.receipt_verify import bundle_verify

    response = api.get(f"{BASE}/receipts/{signed.id}")
    assert response.status_code == 200, response.content
    summary = bundle_verify(response.json(), verification_keys())
    assert summary.receipt == signed.id
    assert summary.decisions["analytics"] is True
    assert outsider_api.get(f"{BASE}/receipts/{signed.id}").status_code == 404


def test_a_receipt_bundle_is_pending_until_signed_and_unknown_receipts_are_404(api, site, record):
    _, receipt = record("visitor-1", {"analytics": True})
    pending = api.get(f"{BASE}/receipts/{receipt.id}")
    assert pending.status_code == 202
    assert pending.json()["status"] == "pending"
    assert int(pending["Retry-After"]) > 0
    for unknown in (uuid.uuid4(), "not-a-receipt"):
        missing = api.get(f"{BASE}/receipts/{unknown}")
        assert missing.status_code == 404
        assert missing.json()["error"]["code"] == "not_found"
