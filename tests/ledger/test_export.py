"""The export and the offline verifier an auditor runs with nothing but the site's public key."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.core.management import call_command
from django.db import connection

from ledger import services
from ledger.export import export_lines
from ledger.keys import public_keys
from ledger.logs import log_find
from ledger.models import Event
from ledger.notes import public_keys_from_pem_bundle, public_pem
from ledger.verify import VerifyFailed, export_verify
from tests.ledger.conftest import SITE, Append

REPO = Path(__file__).resolve().parents[2]


def _export(append: Append, tmp_path: Path) -> Path:
    for number in range(6):
        append(subject=f"visitor-{number}", decisions={"analytics": True, "marketing": number % 3 == 0})
        if number % 2:
            services.log_integrate(site=SITE, checkpoint_force=True)
    append(subject="waiting")
    path = tmp_path / "export.jsonl"
    call_command("export_ledger", site=SITE, output=path)
    return path


def _key_file(tmp_path: Path) -> Path:
    path = tmp_path / "ledger.pub.pem"
    path.write_text(public_keys()[0].pem)
    return path


def _offline(export: Path, key: Path) -> subprocess.CompletedProcess[str]:
    environment = {name: value for name, value in os.environ.items() if not name.startswith("DJANGO")}
    command = [sys.executable, "-m", "ledger.verify", str(export), "--public-key", str(key)]
    return subprocess.run(command, cwd=REPO, env=environment, capture_output=True, text=True, timeout=60, check=False)


def _lines(path: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def _rewrite(path: Path, documents: list[dict[str, object]]) -> None:
    path.write_text("".join(json.dumps(document, ensure_ascii=False) + "\n" for document in documents))


def test_the_offline_verifier_accepts_an_untouched_export(append: Append, tmp_path: Path) -> None:
    export = _export(append, tmp_path)
    result = _offline(export, _key_file(tmp_path))
    assert result.returncode == 0, result.stderr
    assert f"site {SITE}: 12 leaves and 3 checkpoints verified" in result.stdout
    assert "2 events waiting for the log" in result.stdout


def test_the_export_holds_every_kind_of_line(append: Append, tmp_path: Path) -> None:
    kinds = [document["type"] for document in _lines(_export(append, tmp_path))]
    assert kinds[0] == "header"
    assert {"key", "checkpoint", "leaf", "pending"} <= set(kinds)


def test_the_offline_verifier_names_a_changed_event(append: Append, tmp_path: Path) -> None:
    export = _export(append, tmp_path)
    documents = _lines(export)
    leaf = next(document for document in documents if document.get("index") == 3)
    text = str(leaf["event"])
    flipped = (
        ('"granted":true', '"granted":false') if '"granted":true' in text else ('"granted":false', '"granted":true')
    )
    leaf["event"] = text.replace(*flipped)
    _rewrite(export, documents)
    result = _offline(export, _key_file(tmp_path))
    assert result.returncode == 1
    assert result.stderr.strip() == (
        f"site {SITE}: event {leaf['event_id']}: does not match its leaf 3: changed after it was logged"
    )


def test_the_offline_verifier_refuses_a_key_that_did_not_sign(append: Append, tmp_path: Path) -> None:
    export = _export(append, tmp_path)
    stranger = tmp_path / "stranger.pem"
    stranger.write_text(public_pem(Ed25519PrivateKey.generate().public_key()))
    result = _offline(export, stranger)
    assert result.returncode == 1
    assert "is not signed by any known key" in result.stderr


def test_the_offline_verifier_catches_a_dropped_leaf(append: Append, tmp_path: Path) -> None:
    export = _export(append, tmp_path)
    documents = [document for document in _lines(export) if document.get("index") != 5]
    _rewrite(export, documents)
    result = _offline(export, _key_file(tmp_path))
    assert result.returncode == 1
    assert "leaf 5 is missing" in result.stderr


def test_the_offline_verifier_catches_swapped_leaves(append: Append, tmp_path: Path) -> None:
    export = _export(append, tmp_path)
    documents = _lines(export)
    first = next(i for i, document in enumerate(documents) if document.get("index") == 0)
    documents[first], documents[first + 1] = documents[first + 1], documents[first]
    documents[first]["index"], documents[first + 1]["index"] = 0, 1
    _rewrite(export, documents)
    with pytest.raises(VerifyFailed, match="checkpoint 4 does not match"):
        export_verify(export.read_text().splitlines(), public_keys_from_pem_bundle(public_keys()[0].pem))


def test_the_offline_verifier_refuses_an_export_with_no_checkpoint(append: Append, tmp_path: Path) -> None:
    export = _export(append, tmp_path)
    _rewrite(export, [document for document in _lines(export) if document["type"] != "checkpoint"])
    result = _offline(export, _key_file(tmp_path))
    assert result.returncode == 1
    assert result.stderr.strip() == f"site {SITE}: the export holds no signed checkpoint, so nothing in it is signed"


def test_the_offline_verifier_does_not_need_django() -> None:
    environment = {name: value for name, value in os.environ.items() if not name.startswith("DJANGO")}
    check = "import sys, ledger.verify; assert not any(m.startswith('django') for m in sys.modules), 'django'"
    result = subprocess.run(
        [sys.executable, "-c", check], cwd=REPO, env=environment, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr


def test_exporting_an_unknown_site_fails_naming_it(db: None, tmp_path: Path) -> None:
    with pytest.raises(Exception, match="site nowhere: no ledger"):
        call_command("export_ledger", site="nowhere", output=tmp_path / "x")


@pytest.mark.postgres
def test_the_export_streams_its_leaves_rather_than_storing_the_whole_log_first(committed: Append) -> None:
    """Outside a transaction a server-side cursor is WITH HOLD: PostgreSQL would run the whole query first."""
    for number in range(3):
        committed(subject=f"visitor-{number}")
    services.log_integrate(site=SITE, checkpoint_force=True)
    lines = export_lines(log_find(SITE))
    while '"type":"leaf"' not in next(lines):
        pass
    with connection.cursor() as cursor:
        cursor.execute("SELECT is_holdable FROM pg_cursors WHERE name NOT LIKE 'unnamed%'")
        assert cursor.fetchall() == [(False,)]
    assert sum('"type":"leaf"' in line for line in lines) == Event.objects.count() - 1
