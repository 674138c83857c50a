"""The production image's recipe refers only to files that exist, and its entry script works."""

import json
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


def test_the_dockerfile_needs_nothing_a_registry_must_resolve_beyond_its_pinned_base():
    dockerfile = (ROOT / "Dockerfile").read_text()
    # A `# syntax=` directive makes BuildKit pull a frontend image before anything else.
    assert not re.search(r"^#\s*syntax\s*=", dockerfile, re.M | re.I)
    bases = re.findall(r"^FROM\s+(\S+)", dockerfile, re.M)
    assert bases
    # Every stage starts from the one base, a build argument whose default is pinned to a patch
    # release (an offline build names a local image instead).
    assert set(bases) == {"${PYTHON_IMAGE}"}
    default = re.search(r"^ARG PYTHON_IMAGE=(\S+)$", dockerfile, re.M)
    assert default, "no default base"
    assert re.fullmatch(r"python:3\.11\.\d+-slim-\w+", default.group(1)), f"{default.group(1)} is not pinned"


def test_collectstatic_runs_as_the_service_user_so_it_leaves_nothing_root_owned_in_the_var_dir():
    lines = [line.strip() for line in (ROOT / "Dockerfile").read_text().splitlines()]
    user_at = lines.index("USER assent")
    collect_at = next(i for i, line in enumerate(lines) if "collectstatic" in line and not line.startswith("#"))
    assert user_at < collect_at


def test_the_worker_and_beat_check_their_own_health_and_migrate_none():
    import yaml

    services = yaml.safe_load((ROOT / "compose.yaml").read_text())["services"]
    assert services["migrate"]["healthcheck"] == {"disable": True}
    workers = [name for name, service in services.items() if service.get("command") == ["worker"]]
    assert workers
    for name in workers:
        assert "inspect ping" in " ".join(services[name]["healthcheck"]["test"])
    assert "celerybeat-schedule" in " ".join(services["beat"]["healthcheck"]["test"])
    for name in [*workers, "beat"]:
        assert "/healthz" not in str(services[name]["healthcheck"])


def test_collectstatic_succeeds_with_the_production_storage(tmp_path, settings):
    """The image's collectstatic step: hashed names, every file a static file refers to present.

    Production stores static files under their hashed names (whitenoise compresses them as well);
    the manifest step fails on any reference to a missing file, such as a source map comment in a
    vendored script, and with it the image build.
    """
    from django.core.management import call_command

    settings.STATIC_ROOT = tmp_path
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.ManifestStaticFilesStorage"},
    }
    call_command("collectstatic", interactive=False, verbosity=0)
    manifest = json.loads((tmp_path / "staticfiles.json").read_text())
    assert "console/vendor/chart.umd.min.js" in manifest["paths"]
    assert "banner/dist/assent.js" in manifest["paths"]
