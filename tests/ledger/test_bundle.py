"""The portable receipt bundle: built for one choice, checked offline with nothing but the public key."""

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from ledger import selectors, services
from ledger.errors import ProofUnavailable, ReceiptUnknown
from ledger.keys import public_keys
from ledger.notes import public_keys_from_pem_bundle
from ledger.receipt_verify import BundleFailed, bundle_verify
from ledger.receipts import Receipt
from tests.ledger.conftest import PURPOSES, SITE, Append

REPO = Path(__file__).resolve().parents[2]
FOUR = {"necessary": True, "analytics": False, "marketing": True, "personalisation": False}


def _keys() -> list[Any]:
    return public_keys_from_pem_bundle(public_keys()[0].pem)


def _proven(append: Append, *, others: int = 0) -> Receipt:
    """Append a four-purpose choice between `others` choices of other visitors, and sign the log over it."""
    for number in range(others):
        append(subject=f"other-{number}", decisions=dict.fromkeys(PURPOSES, number % 2 == 0))
    receipt = append(subject="visitor-1", decisions=FOUR)
    for number in range(others // 3):
        append(subject=f"later-{number}", decisions={"analytics": True})
    services.log_integrate(site=SITE, checkpoint_force=True)
    return receipt


def _offline(path: Path, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    key = tmp_path / "key.pem"
    key.write_text(public_keys()[0].pem)
    environment = {name: value for name, value in os.environ.items() if not name.startswith("DJANGO")}
    check = (
        "import sys, runpy; sys.argv = ['ledger.verify', *sys.argv[1:]]\n"
        "try:\n    runpy.run_module('ledger.verify', run_name='__main__')\n"
        "finally:\n    assert not any(m.startswith('django') for m in sys.modules), 'imported django'"
    )
    command = [sys.executable, "-c", check, str(path), "--public-key", str(key)]
    return subprocess.run(command, cwd=REPO, env=environment, capture_output=True, text=True, timeout=60, check=False)


def test_a_bundle_verifies_offline_without_django(append: Append, tmp_path: Path) -> None:
    receipt = _proven(append, others=5)
    bundle = selectors.receipt_bundle(site=SITE, receipt_id=receipt.id, signature=receipt.signature)
    path = tmp_path / "receipt.json"
    path.write_text(json.dumps(bundle))
    result = _offline(path, tmp_path)
    assert result.returncode == 0, result.stderr
    assert f"site {SITE}: receipt {receipt.id} of " in result.stdout
    assert "analytics denied, marketing granted, necessary granted, personalisation denied" in result.stdout


def test_the_bundle_carries_the_receipts_signature_and_its_events_bytes(append: Append) -> None:
    receipt = _proven(append)
    bundle = selectors.receipt_bundle(site=SITE, receipt_id=receipt.id)
    assert bundle["signature"] == receipt.signature
    assert [own["event"] for own in bundle["events"]] == receipt.event_ids
    assert bundle["event_shared"]["receipt"] == receipt.id
    assert bundle_verify(bundle, _keys()).decisions == {purpose: FOUR[purpose] for purpose in sorted(FOUR)}


def test_a_four_purpose_bundle_stays_within_4_kb_in_a_log_of_thousands(append: Append) -> None:
    receipt = _proven(append, others=600)
    bundle = selectors.receipt_bundle(site=SITE, receipt_id=receipt.id)
    assert bundle["leaves"][0][0] > 2000
    size = len(json.dumps(bundle, separators=(",", ":"), ensure_ascii=False).encode())
    print(f"bundle of 4 events at leaf {bundle['leaves'][0][0]}: {size} bytes")
    assert size <= 4096, size


def _grant_refused(bundle: dict[str, Any]) -> None:
    bundle["events"][0]["granted"] = True


def _shared_locale(bundle: dict[str, Any]) -> None:
    bundle["event_shared"]["locale"] = "de"


def _own_field_shadows_shared(bundle: dict[str, Any]) -> None:
    bundle["events"][0]["locale"] = "en"


def _proof_hashes_rotated(bundle: dict[str, Any]) -> None:
    bundle["hashes"] = [bundle["hashes"][-1], *bundle["hashes"][:-1]]


def _leaf_moved(bundle: dict[str, Any]) -> None:
    bundle["leaves"][0][0] += 1


def _checkpoint_signature_cut(bundle: dict[str, Any]) -> None:
    bundle["checkpoint"] = bundle["checkpoint"][:-10] + "\n"


def _recorded_later(bundle: dict[str, Any]) -> None:
    bundle["recorded_at"] = "2030-01-01T00:00:00.000000Z"


def _other_site(bundle: dict[str, Any]) -> None:
    bundle["event_shared"]["site"] = "other"


@pytest.mark.parametrize(
    ("tamper", "message"),
    [
        (_grant_refused, "signature"),
        (_shared_locale, "signature"),
        (_own_field_shadows_shared, "own fields"),
        (_proof_hashes_rotated, "is not at leaf"),
        (_leaf_moved, "is not at leaf"),
        (_checkpoint_signature_cut, "checkpoint"),
        (_recorded_later, "not recorded with its receipt"),
        (_other_site, "belongs to site"),
    ],
)
def test_a_changed_bundle_fails_naming_what(append: Append, tamper: Any, message: str) -> None:
    receipt = _proven(append, others=2)
    bundle = selectors.receipt_bundle(site=SITE, receipt_id=receipt.id)
    tamper(bundle)
    with pytest.raises(BundleFailed, match=message):
        bundle_verify(bundle, _keys())


def test_a_bundle_is_refused_under_a_key_that_did_not_sign(append: Append) -> None:
    receipt = _proven(append)
    bundle = selectors.receipt_bundle(site=SITE, receipt_id=receipt.id)
    with pytest.raises(BundleFailed, match="signature"):
        bundle_verify(bundle, [Ed25519PrivateKey.generate().public_key()])


def test_the_bundle_is_pending_until_a_checkpoint_covers_every_event(append: Append) -> None:
    receipt = append(subject="visitor-1", decisions=FOUR)
    with pytest.raises(ProofUnavailable, match="not in the log yet"):
        selectors.receipt_bundle(site=SITE, receipt_id=receipt.id)
    services.log_integrate(site=SITE)
    signed = selectors.checkpoint_latest(site=SITE)
    if signed is None or signed.size < 4:
        with pytest.raises(ProofUnavailable, match="not covered by a signed checkpoint"):
            selectors.receipt_bundle(site=SITE, receipt_id=receipt.id)
    services.checkpoint_sign(site=SITE)
    assert selectors.receipt_bundle(site=SITE, receipt_id=receipt.id)["receipt"] == receipt.id


def test_a_wrong_signature_or_another_sites_receipt_is_unknown(append: Append) -> None:
    receipt = _proven(append)
    other = append(site="other", subject="visitor-1")
    with pytest.raises(ReceiptUnknown):
        selectors.receipt_bundle(site=SITE, receipt_id=receipt.id, signature=other.signature)
    with pytest.raises(ReceiptUnknown):
        selectors.receipt_bundle(site=SITE, receipt_id=receipt.id, signature="bm90IGEgc2lnbmF0dXJl")
    with pytest.raises(ReceiptUnknown):
        selectors.receipt_bundle(site=SITE, receipt_id=other.id, signature=other.signature)
    with pytest.raises(ReceiptUnknown):
        selectors.receipt_bundle(site=SITE, receipt_id="not-a-uuid")
