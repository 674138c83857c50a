"""A fresh clone has nothing beside it: nothing the project reads or installs may point outside it."""

import re
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# A path that climbs out of the repository: the shared folder beside it, or a parents[N].parent chain.
_OUTSIDE = re.compile(r"\.\./shared|parents\[\d\]\.parent|/ \"shared\"")
_LOCAL_INDEX = re.compile(r"file://|^\s*(--find-links|--extra-index-url|--index-url|-f|-i)\b", re.MULTILINE)


def _tracked(*paths: str) -> list[Path]:
    out = subprocess.run(["git", "ls-files", "--", *paths], cwd=ROOT, capture_output=True, text=True, check=True)
    return [ROOT / name for name in out.stdout.splitlines() if (ROOT / name).is_file()]


def test_no_test_bench_or_build_file_reads_outside_the_repository():
    offenders = []
    for path in _tracked("tests", "bench", "Makefile", ".ci", "Dockerfile", "pyproject.toml", "package.json"):
        if path.suffix in {".json", ".md"} or path == Path(__file__):
            continue
        for number, line in enumerate(path.read_text(errors="replace").splitlines(), 1):
            if _OUTSIDE.search(line):
                offenders.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert offenders == []


def test_the_lock_files_name_no_local_package_index():
    for path in _tracked("requirements"):
        assert not _LOCAL_INDEX.search(path.read_text()), f"{path.name} names a local index or wheel folder"


def test_make_lock_keeps_local_indexes_out_of_the_lock_files():
    lock = re.search(r"^lock:.*?(?=^\S)", (ROOT / "Makefile").read_text(), re.MULTILINE | re.DOTALL)
    assert lock, "the Makefile has a lock target"
    for line in lock.group(0).splitlines():
        if "pip-compile" in line:
            assert "--no-emit-index-url" in line
            assert "--no-emit-find-links" in line


def test_make_manage_runs_a_management_command_without_setting_debug_by_hand(tmp_path):
    import os

    env = {k: v for k, v in os.environ.items() if k not in {"DEBUG", "SECRET_KEY", "MAKEFLAGS", "MFLAGS"}}
    env["ASSENT_VAR_DIR"] = str(tmp_path)
    result = subprocess.run(
        ["make", "-s", "manage", "ARGS=check"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout
