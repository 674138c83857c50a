"""Public POST benchmark: gunicorn on PostgreSQL driven by wrk on loopback, beside its bare baseline.

Run: `[BENCH_SECONDS=20] [BENCH_CONNECTIONS=8] .venv/bin/python bench/ingest.py` with PostgreSQL on
127.0.0.1:5432 and Redis on 6379, and `wrk` installed (`apt-get install -y wrk`). It creates its own
database (assent_bench_ingest, dropped first) and uses Redis dbs 10 and 11 (BENCH_BROKER_URL,
BENCH_CACHE_URL). Two gunicorns with the same settings (BENCH_WORKERS sync workers, 2 by default)
serve, side by side, and wrk drives them in turn, BENCH_ROUNDS (4) alternating rounds each, so a
change in the machine's load falls on both:

- Assent's `POST /api/v1/public/sites/bench/consents`;
- the baseline: `bench/bare.py`, a bare Django view that validates the same JSON and INSERTs the same
  rows (subject, four events, evidence, four state upserts) in one transaction.

Then pgbench runs that transaction as raw SQL (the database's own ceiling). Prints choices/s, p50/p99,
`ratio = assent / baseline` and the machine's load; stops everything it started. Never run by the tests.
"""

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from functools import partial
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.harness import (
    BROKER_URL,
    CACHE_URL,
    ROOT,
    LoadWatch,
    alternating,
    cpu_line,
    database_ensure,
    database_url,
    ratio,
    report,
    signing_key_file,
    wrk_warm,
)

PY = sys.executable
DB = "assent_bench_ingest"
PORT = 8791
DURATION = int(os.environ.get("BENCH_SECONDS", "20"))
CONNECTIONS = int(os.environ.get("BENCH_CONNECTIONS", "8"))
WORKERS = int(os.environ.get("BENCH_WORKERS", "2"))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "4"))

ENV = {
    **os.environ,
    "DEBUG": "0",
    "SECRET_KEY": "bench-only-secret-key-0123456789abcdefghijklmnop",
    "ALLOWED_HOSTS": "127.0.0.1",
    "DATABASE_URL": database_url(DB),
    "CELERY_BROKER_URL": BROKER_URL,
    "CACHE_URL": CACHE_URL,
    # The limits exist to stop floods; this flood is the point.
    "ASSENT_PUBLIC_RATE_PER_CLIENT": "1000000000",
    "ASSENT_PUBLIC_RATE_PER_SITE": "1000000000",
    "LOG_LEVEL": "WARNING",
    "DJANGO_SETTINGS_MODULE": "consent.settings",
}

# One choice: a new visitor, four purposes (one required), as the banner sends it.
WRK_SCRIPT = """
math.randomseed(os.time())
local n = 0
local prefix = string.format("%08x", math.random(0, 0x7fffffff))
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["User-Agent"] = "wrk bench"
request = function()
  n = n + 1
  local subject = string.format("%s%024x", prefix, n)
  local body = '{"subject":"' .. subject .. '","choices":{"essential":true,"personalization":true,' ..
    '"analytics":' .. ((n % 2 == 0) and "true" or "false") .. ',"marketing":false},' ..
    '"banner_version":"VERSION","method":"custom","locale":"en","idempotency_key":"' .. subject .. '",' ..
    '"page_url":"https://bench.example/article"}'
  return wrk.format(nil, "PATH", nil, body)
end
"""

# The same shape in raw SQL: a subject row, four event rows, an evidence row, four state upserts.
PGBENCH_SETUP = """
DROP TABLE IF EXISTS bench_subject, bench_event, bench_evidence, bench_state;
CREATE TABLE bench_subject (id bigserial PRIMARY KEY, site text, external_id text, pseudonym text UNIQUE,
  ledger_key text, created_at timestamptz DEFAULT now(), UNIQUE (site, external_id));
CREATE TABLE bench_event (id bigserial PRIMARY KEY, receipt uuid, site text, subject text, purpose text,
  granted bool, kind text, source text, method text, banner_version text, locale text,
  occurred_at timestamptz, recorded_at timestamptz DEFAULT now(), evidence_hash text, leaf_index bigint);
CREATE INDEX ON bench_event (site, subject);
CREATE TABLE bench_evidence (receipt uuid PRIMARY KEY, site text, subject text, body bytea);
CREATE TABLE bench_state (site text, subject text, purpose text, granted bool, since timestamptz,
  expires_at timestamptz, last_event bigint, PRIMARY KEY (site, subject, purpose));
"""
PGBENCH_TX = """
\\set s random(1, 2000000000)
BEGIN;
INSERT INTO bench_subject (site, external_id, pseudonym, ledger_key)
  VALUES ('bench', :client_id || '-' || :s, md5(random()::text), md5(:s::text))
  ON CONFLICT (site, external_id) DO NOTHING;
INSERT INTO bench_event (receipt, site, subject, purpose, granted, kind, source, method, banner_version, locale,
  occurred_at, evidence_hash)
  SELECT '00000000-0000-0000-0000-000000000000'::uuid, 'bench', md5(:s::text), p, true, 'opted_in', 'banner',
    'custom', 'v', 'en', now(), md5(p) FROM unnest(ARRAY['essential','personalization','analytics','marketing']) p;
INSERT INTO bench_evidence VALUES (gen_random_uuid(), 'bench', md5(:s::text), '\\x00');
INSERT INTO bench_state SELECT 'bench', md5(:s::text), p, true, now(), now() + interval '1 year', 1
  FROM unnest(ARRAY['essential','personalization','analytics','marketing']) p
  ON CONFLICT (site, subject, purpose) DO UPDATE SET granted = excluded.granted, since = excluded.since;
COMMIT;
"""


def run(*args: str, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(args, check=True, cwd=ROOT, env=ENV, capture_output=True, text=True, **kwargs)


def signing_key_write() -> None:
    """Give the production-mode server a ledger signing key of its own, in a throwaway directory."""
    var = Path(tempfile.mkdtemp(prefix="assent-ingest-"))
    ENV.update({"ASSENT_VAR_DIR": str(var), "LEDGER_SIGNING_KEY_FILE": str(signing_key_file(var))})


def prepare() -> str:
    """Create a fresh database with a published four-purpose site; return its banner version."""
    signing_key_write()
    database_ensure(ENV["DATABASE_URL"], fresh=True)
    run(PY, "manage.py", "migrate", "--noinput", "-v", "0")
    run("psql", ENV["DATABASE_URL"], "-q", "-c", PGBENCH_SETUP)
    code = (
        "import django; django.setup()\n"
        "from consent.models import Organization\n"
        "from tests.factories import published_site\n"
        "site = published_site(organization=Organization.objects.create(name='Bench'), key='bench')\n"
        "print(site.banner_versions.get().content_hash)\n"
    )
    return run(PY, "-c", code).stdout.strip().splitlines()[-1]


def wait_for_port(port: int, timeout: float = 30) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.2)
    raise SystemExit(f"gunicorn did not listen on {port} within {timeout} s")


def wrk(port: int, script: Path, seconds: int) -> dict[str, float]:
    """Drive one server for a number of seconds; return its rate, percentiles and failures."""
    out = subprocess.run(
        [
            "wrk",
            "-t1",
            f"-c{CONNECTIONS}",
            f"-d{seconds}s",
            # A slow answer is timed, not dropped: wrk's default 2 s timeout would leave it out of the percentiles.
            "--timeout",
            "30s",
            "--latency",
            "-s",
            str(script),
            f"http://127.0.0.1:{port}",
        ],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    figures = {
        "choices/s": float(re.search(r"Requests/sec:\s+([\d.]+)", out)[1]),
        "requests": float(re.search(r"(\d+) requests in", out)[1]),
    }
    for pct in ("50", "99"):
        value, unit = re.search(rf"\s{pct}%\s+([\d.]+)(us|ms|s)", out).groups()
        figures[f"p{pct} ms"] = float(value) * {"us": 0.001, "ms": 1, "s": 1000}[unit]
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    figures["failed"] = float(errors[1]) if errors else 0.0
    timeouts = re.search(r"timeout (\d+)", out)
    figures["failed"] += float(timeouts[1]) if timeouts else 0.0
    return figures


def pgbench() -> dict[str, float]:
    workdir = Path(tempfile.mkdtemp())
    (workdir / "tx.sql").write_text(PGBENCH_TX)
    run("psql", ENV["DATABASE_URL"], "-q", "-c", PGBENCH_SETUP)
    out = run(
        "pgbench",
        "-n",
        f"-c{CONNECTIONS}",
        "-j2",
        f"-T{DURATION}",
        "-f",
        str(workdir / "tx.sql"),
        "--log",
        f"--log-prefix={workdir}/log",
        ENV["DATABASE_URL"],
    ).stdout
    tps = float(re.search(r"tps = ([\d.]+)", out)[1])
    latencies = sorted(
        int(line.split()[2]) / 1000 for log in workdir.glob("log*") for line in log.read_text().splitlines()
    )
    return {
        "choices/s": tps,
        "p50 ms": latencies[len(latencies) // 2],
        "p99 ms": latencies[int(len(latencies) * 0.99)],
        "failed": 0.0,
    }


@contextmanager
def served(app: str, port: int, version: str, path: str, probe: str) -> Iterator[tuple[Path, int]]:
    """Serve `app` with gunicorn (the same settings for Assent and the baseline), warmed.

    Yield its wrk script and the server's process group (for its CPU time).
    """
    gunicorn = subprocess.Popen(
        [PY, "-m", "gunicorn", app, "-w", str(WORKERS), "-b", f"127.0.0.1:{port}", "--log-level", "warning"],
        cwd=ROOT, env=ENV, stdout=subprocess.DEVNULL, start_new_session=True,
    )  # fmt: skip
    try:
        wait_for_port(port)
        method, probe_path = probe.split(" ", 1)
        # The first request imports the rest of the application: slow on a loaded machine.
        response = httpx.request(method, f"http://127.0.0.1:{port}{probe_path}", timeout=60)
        if response.status_code >= 500:
            raise SystemExit(f"{app}: {probe} answered {response.status_code}")
        script = Path(tempfile.mkdtemp()) / "choice.lua"
        script.write_text(WRK_SCRIPT.replace("VERSION", version).replace("PATH", path))
        wrk_warm(f"http://127.0.0.1:{port}", str(script), CONNECTIONS)
        yield script, gunicorn.pid
    finally:
        os.killpg(gunicorn.pid, signal.SIGTERM)
        gunicorn.wait(timeout=30)


def main() -> None:
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed: apt-get install -y wrk")
    version = prepare()
    with LoadWatch() as load:
        with (
            served("consent.wsgi", PORT, version, "/api/v1/public/sites/bench/consents",
                   "GET /api/v1/public/sites/bench/config") as (assent_script, assent_group),
            served("bench.bare:application", PORT + 1, version, "/bare/consents",
                   "GET /bare/consents") as (bare_script, bare_group),
        ):  # fmt: skip
            pooled = alternating(
                {
                    "assent": (partial(wrk, PORT, assent_script), assent_group),
                    "bare": (partial(wrk, PORT + 1, bare_script), bare_group),
                },
                seconds=DURATION, rounds=ROUNDS, rate="choices/s", medians=("p50 ms", "p99 ms"),
            )  # fmt: skip
            assent, bare = pooled["assent"], pooled["bare"]
        raw = pgbench()
    lines = [
        f"{CONNECTIONS} connections, {DURATION} s each in {ROUNDS} alternating rounds (p50, p99: median of the"
        f" rounds), gunicorn {WORKERS} sync workers, 4 purposes per choice",
        f"{'':<46}{'choices/s':>12}{'p50 ms':>10}{'p99 ms':>10}{'failed':>10}",
    ]
    rows = {
        "assent POST /consents": assent,
        "baseline: bare Django view, same rows": bare,
        "same transaction in raw SQL (pgbench)": raw,
    }
    for name, figures in rows.items():
        lines.append(
            f"{name:<46}{figures['choices/s']:>12.0f}{figures['p50 ms']:>10.2f}"
            f"{figures['p99 ms']:>10.2f}{figures['failed']:>10.0f}"
        )
    lines.append(f"choices/s: {ratio(assent['choices/s'], bare['choices/s'])}")
    lines.append(f"p99 latency: {ratio(assent['p99 ms'], bare['p99 ms'])}")
    lines.append(cpu_line("choice", assent, bare))
    report("ingest: public consent POST", lines, load)


if __name__ == "__main__":
    sys.exit(main())
