"""Run every bench, each beside its bare baseline, and write bench/results.md (`make bench`).

    .venv/bin/python bench/run.py [--full] [--only ingest,api,...]

The default sizes are small, so the whole run takes a few minutes on a two-core machine; `--full`
(or BENCH_FULL=1) runs each bench at its own defaults (the API bench then loads 250,000 subjects, the
console bench 1,000,000 events).
Needs PostgreSQL on 127.0.0.1:5432 (BENCH_POSTGRES), Redis on 6379 (dbs 10 and 11 unless
BENCH_BROKER_URL / BENCH_CACHE_URL say otherwise), `wrk`, and `npm ci` for the banner's peers.
Each bench creates the databases it uses; each can also be run alone, as its first lines say.
"""

import argparse
import os
import platform
import shutil
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.harness import BROKER_URL, CACHE_URL, ROOT, LoadWatch, database_url

RESULTS = ROOT / "bench" / "results.md"

# name: (script arguments at the quick size, extra environment)
QUICK = {
    "ingest": ([], {"BENCH_SECONDS": "20"}),
    "api": (["--subjects", "20000", "--duration", "20", "--fresh"], {}),
    "ledger": (["--events", "10000", "--subjects", "2500", "--million", "100000", "--samples", "200"], {}),
    "hooks": (["--choices", "2000", "--rate", "100", "--seconds", "10"], {}),
    "banner": ([], {"BENCH_LOADS": "10"}),
    "console": (["--events", "100000", "--fresh"], {}),
}
DATABASES = {
    "api": "assent_bench_api",
    "ledger": "assent_bench",
    "hooks": "assent_bench_hooks",
    "console": "assent_bench_console",
}


def environment(name: str, extra: dict[str, str]) -> dict[str, str]:
    """Return a bench's environment: its own database and Redis dbs, whatever the caller's shell points at."""
    env = {**os.environ, "CELERY_BROKER_URL": BROKER_URL, "CACHE_URL": CACHE_URL, **extra}
    env.pop("DATABASE_URL", None)
    if name in DATABASES:
        env["DATABASE_URL"] = database_url(DATABASES[name])
    return env


def header(full: bool) -> str:
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True)
    return (
        "# Bench results\n\n"
        f"Written by `make bench` ({'full' if full else 'quick'} sizes) on {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, "
        f"commit {commit.stdout.strip() or 'unknown'}, {platform.node()}: {os.cpu_count()} cores, "
        f"load average at start {os.getloadavg()[0]:.2f}.\n\n"
        "Every figure sits beside a bare baseline measured in the same run on the same servers, as "
        "`ratio = assent / baseline` (for rates, 1.00 means as fast as the baseline; for latencies, as "
        "slow). What each baseline is: [docs/performance.md](../docs/performance.md).\n"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--full", action="store_true", default=os.environ.get("BENCH_FULL") == "1")
    parser.add_argument("--only", default="", help="comma-separated bench names (default: all)")
    args = parser.parse_args()
    names = [name for name in QUICK if not args.only or name in args.only.split(",")]
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed: apt-get install -y wrk")
    RESULTS.write_text(header(args.full), encoding="utf-8")
    failed = []
    with LoadWatch() as load:
        for name in names:
            arguments, extra = QUICK[name]
            env = environment(name, extra if not args.full else {})
            env["BENCH_RESULTS"] = str(RESULTS)
            started = time.monotonic()
            print(f"-- bench/{name}.py", flush=True)
            done = subprocess.run(
                [sys.executable, f"bench/{name}.py", *([] if args.full else arguments)], cwd=ROOT, env=env
            )
            took = time.monotonic() - started
            with RESULTS.open("a", encoding="utf-8") as results:
                if done.returncode != 0:
                    failed.append(name)
                    results.write(f"\n## {name}\n\nFAILED (exit {done.returncode}) after {took:.0f} s.\n")
                else:
                    results.write(f"\n(bench/{name}.py took {took:.0f} s)\n")
    with RESULTS.open("a", encoding="utf-8") as results:
        results.write(f"\n## The whole run\n\n{load.line()}.\n")
    print(f"wrote {RESULTS.relative_to(ROOT)}")
    if failed:
        raise SystemExit(f"failed: {', '.join(failed)}")


if __name__ == "__main__":
    main()
