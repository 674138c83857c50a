"""The production image's recipe refers only to files that exist, and its entry script works."""

import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
ENTRYPOINT = ROOT / "docker" / "entrypoint.sh"


def test_every_file_the_dockerfile_copies_from_the_context_exists():
    dockerfile = (ROOT / "Dockerfile").read_text()
    sources = []
    for line in dockerfile.splitlines():
        match = re.match(r"COPY\s+(?!--from)(?:--\S+\s+)*(.+)\s+\S+$", line.strip())
        if match:
            sources += match.group(1).split()
    assert sources, "no COPY lines found"
    for source in sources:
        if source != ".":
            assert (ROOT / source).exists(), f"Dockerfile copies {source}, which does not exist"


def test_the_image_runs_the_entry_script_as_a_non_root_user_with_a_healthcheck():
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert 'ENTRYPOINT ["docker/entrypoint.sh"]' in dockerfile
    assert re.search(r"^USER assent$", dockerfile, re.M)
    assert "HEALTHCHECK" in dockerfile
    assert "/healthz" in dockerfile
    assert os.access(ENTRYPOINT, os.X_OK)


def test_the_entry_script_refuses_an_unknown_role():
    result = subprocess.run([str(ENTRYPOINT), "dance"], capture_output=True, text=True, timeout=10)
    assert result.returncode == 64
    assert "usage: entrypoint.sh web|worker|beat|migrate|manage" in result.stderr


def test_the_entry_script_runs_management_commands(tmp_path):
    env = {
        **os.environ,
        "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}",
        "DEBUG": "1",
        "ASSENT_VAR_DIR": str(tmp_path),
    }
    result = subprocess.run(
        [str(ENTRYPOINT), "manage", "check"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


def test_every_role_names_a_program_the_image_installs():
    script = ENTRYPOINT.read_text()
    for program in ("gunicorn", "celery"):
        assert f"exec {program} " in script
        assert (Path(sys.executable).parent / program).exists()
