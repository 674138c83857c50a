"""Start-up refuses a missing or malformed setting with one line naming the variable."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def run_check(env_overrides: dict[str, str], tmp_path: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in {"DEBUG", "SECRET_KEY", "DATABASE_URL"}}
    env.update({"ASSENT_VAR_DIR": str(tmp_path), **env_overrides})
    return subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        ({"DEBUG": "maybe"}, "DEBUG must be a boolean"),
        ({"DEBUG": "0"}, "SECRET_KEY is required but not set"),
        ({"DEBUG": "1", "SECRET_KEY": "short"}, "SECRET_KEY must be at least 32 characters"),
        ({"DEBUG": "1", "DATABASE_URL": "mysql://x/y"}, "DATABASE_URL must be a URL with scheme"),
        ({"DEBUG": "1", "CELERY_BROKER_URL": "kafka://x"}, "CELERY_BROKER_URL must be a URL with scheme"),
        ({"DEBUG": "1", "ASSENT_PUBLIC_RATE_PER_CLIENT": "lots"}, "ASSENT_PUBLIC_RATE_PER_CLIENT must be a whole"),
        ({"DEBUG": "1", "LEDGER_CHECKPOINT_INTERVAL": "0"}, "LEDGER_CHECKPOINT_INTERVAL must be at least 1"),
    ],
)
def test_it_refuses_a_bad_setting_with_one_line_naming_it(overrides, expected, tmp_path):
    result = run_check(overrides, tmp_path)
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert expected in lines[0]


def test_it_requires_a_signing_key_in_production(tmp_path):
    result = run_check({"DEBUG": "0", "SECRET_KEY": "x" * 40, "LEDGER_SIGNING_KEY_FILE": "/nonexistent"}, tmp_path)
    assert result.returncode != 0
    assert "LEDGER_SIGNING_KEY" in result.stderr.strip().splitlines()[-1]


def test_it_generates_a_development_secret_key_once(tmp_path):
    assert run_check({"DEBUG": "1"}, tmp_path).returncode == 0
    key = (tmp_path / "secret_key").read_text()
    assert len(key) >= 50
    assert run_check({"DEBUG": "1"}, tmp_path).returncode == 0
    assert (tmp_path / "secret_key").read_text() == key
