"""Benchmark the marketer API on PostgreSQL: subject lookups (beside a bare DRF view), bulk checks and an
audience export.

Loads SUBJECTS subjects with four purpose decisions each (one event per purpose: 1,000,000 events
for 250,000 subjects) through the bulk path in bench/bulk.py (COPY of rows the ledger encodes, then
its integrator and a signed checkpoint; the log is verified before timing), starts gunicorn with two
sync workers on loopback, and drives it:

- subject lookups with wrk (`apt-get install wrk`), random subjects, keep-alive, and the same
  lookups against the baseline, a bare DRF view in bench/bare.py reading one subject row by key,
  served side by side by a gunicorn with the same settings: BENCH_ROUNDS (4) alternating rounds
  each, so a change in the machine's load falls on both, with each server's CPU time per lookup;
- bulk checks of 1,000 subjects, one after another, timed by the client;
- the whole audience of one purpose (every subject) by cursor.

    .venv/bin/python bench/api.py [--subjects 250000] [--duration 20] [--fresh] [--load-only]

It creates its database (assent_bench_api, or the one DATABASE_URL names) when missing and keeps
the loaded subjects for the next run (`--fresh` drops them; `--fresh --load-only --subjects 20000`
times the bulk load alone, checks the log and stops). Prints the figures; never run by the tests.
"""

import argparse
import http.client
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.harness import (
    BROKER_URL,
    CACHE_URL,
    ROOT,
    LoadWatch,
    Measure,
    alternating,
    cpu_line,
    database_ensure,
    database_url,
    percentile,
    ratio,
    report,
    wrk_warm,
)

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "consent.settings")
os.environ.setdefault("DEBUG", "1")
os.environ.setdefault("DATABASE_URL", database_url("assent_bench_api"))
os.environ.setdefault("CACHE_URL", CACHE_URL)
os.environ.setdefault("CELERY_BROKER_URL", BROKER_URL)

SITE_KEY = "bench"
ORGANIZATION = "Bench"
PORT = 8765
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "4"))
BATCH = 500


def django_setup() -> None:
    import django

    django.setup()


def subject_id(n: int) -> str:
    return f"subject-{n:07d}"


def site_prepare():
    """Create the bench organization and site (four purposes, published) unless they exist."""
    from consent.models import Organization, Site
    from tests.factories import published_site

    site = Site.objects.filter(key=SITE_KEY).first()
    if site is None:
        organization, _ = Organization.objects.get_or_create(name=ORGANIZATION)
        site = published_site(organization=organization, key=SITE_KEY)
    return site


def load(subjects: int) -> None:
    """Bulk-load the subjects missing so far, then check the log the way verify_ledger does."""
    from bench.bulk import choices_load
    from consent.models import Subject
    from ledger import services
    from ledger.verification import Problem, ledger_verify

    site = site_prepare()
    have = Subject.objects.filter(site=site).count()
    if have >= subjects:
        print(f"loaded already: {have:,} subjects")
        return
    figures = choices_load(site, have, subjects, external_id=subject_id)
    print(
        f"load: {subjects - have:,} subjects, {figures['events']:,.0f} events by COPY in {figures['load_s']:.1f} s "
        f"({figures['events'] / figures['load_s']:,.0f} events/s); integrated {figures['leaves']:,.0f} leaves in "
        f"{figures['integrate_s']:.1f} s"
    )
    started = time.perf_counter()
    (result,) = ledger_verify(site=SITE_KEY)
    if isinstance(result, Problem):
        raise SystemExit(f"the loaded log does not verify: {result.line()}")
    print(
        f"verified: {result.size:,} leaves, {result.checkpoints} checkpoints in {time.perf_counter() - started:.1f} s"
    )
    # The state rows were written beside the events, not folded from them: check they agree.
    differences = services.rebuild_state(site=SITE_KEY, repair=False)
    if differences:
        raise SystemExit(f"the loaded state differs from its events: {differences[0]}")


def api_key() -> str:
    from consent.api.services import api_key_create
    from consent.models import Organization

    _, key = api_key_create(organization=Organization.objects.get(name=ORGANIZATION), name="bench")
    return key


def gunicorn_start(app: str = "consent.wsgi:application", port: int = PORT) -> subprocess.Popen:
    env = {
        **os.environ,
        "DEBUG": "0",
        "SECRET_KEY": os.environ.get("SECRET_KEY", "bench-" + "x" * 40),
        "ALLOWED_HOSTS": "127.0.0.1",
        "ASSENT_API_RATE_PER_KEY": "100000000",
        "LOG_LEVEL": "WARNING",
    }
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            app,
            "--workers",
            "2",
            "--bind",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
        start_new_session=True,  # its own process group: the bench reads the server's CPU time by it
    )
    for _ in range(100):
        try:
            http.client.HTTPConnection("127.0.0.1", port, timeout=1).request("GET", "/healthz")
            return process
        except OSError:
            time.sleep(0.1)
    process.kill()
    raise SystemExit("gunicorn did not start")


WRK_SCRIPT = """
math.randomseed(os.time())
local key = os.getenv("BENCH_KEY")
local subjects = tonumber(os.getenv("BENCH_SUBJECTS"))
request = function()
  local path = string.format("{prefix}/sites/%s/subjects/subject-%07d", "{site}", math.random(0, subjects - 1))
  return wrk.format("GET", path, {{["Authorization"] = "Bearer " .. key}})
end
done = function(summary, latency, requests)
  io.write(string.format("RESULT %d %d %d %.3f %.3f %.3f %d\\n", summary.requests, summary.errors.status,
    summary.duration, latency:percentile(50) / 1000, latency:percentile(99) / 1000, latency.mean / 1000,
    summary.errors.timeout))
end
"""


def lookups(key: str, subjects: int, connections: int, prefix: str, port: int) -> Measure:
    """Warm the server on `port` with random lookups; return the timed measurement of them, for a number of seconds."""
    wrk = shutil.which("wrk")
    if wrk is None:
        raise SystemExit("wrk is needed for the lookup benchmark: apt-get install wrk")
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(
            WRK_SCRIPT.replace("{site}", SITE_KEY).replace("{prefix}", prefix).replace("{{", "{").replace("}}", "}")
        )
    env = {**os.environ, "BENCH_KEY": key, "BENCH_SUBJECTS": str(subjects)}
    wrk_warm(f"http://127.0.0.1:{port}", script.name, connections, env)

    def measure(seconds: int) -> dict[str, float]:
        out = subprocess.run(
            # A slow answer is timed, not dropped: wrk's default 2 s timeout would leave it out of the percentiles.
            [wrk, "-t1", f"-c{connections}", f"-d{seconds}s", "--timeout", "30s", "-s", script.name,
             f"http://127.0.0.1:{port}"],
            capture_output=True, text=True, env=env, check=True,
        ).stdout  # fmt: skip
        fields = next(line for line in out.splitlines() if line.startswith("RESULT")).split()[1:]
        requests, errors, micros = int(fields[0]), int(fields[1]), int(fields[2])
        return {
            "requests_per_s": requests / (micros / 1e6),
            "requests": requests,
            "p50_ms": float(fields[3]),
            "p99_ms": float(fields[4]),
            "non_2xx": errors,
            "timeouts": int(fields[6]),
        }

    return measure


def bench_checks(key: str, subjects: int, rounds: int = 40) -> dict[str, float]:
    connection = http.client.HTTPConnection("127.0.0.1", PORT)
    headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}
    rng = random.Random(7)
    timings = []
    for _ in range(rounds):
        body = json.dumps(
            {"subjects": [subject_id(rng.randrange(subjects)) for _ in range(1000)], "purposes": ["marketing"]}
        )
        started = time.perf_counter()
        connection.request("POST", f"/api/v1/sites/{SITE_KEY}/consents/check", body, headers)
        response = connection.getresponse()
        response.read()
        timings.append((time.perf_counter() - started) * 1000)
        assert response.status == 200, response.status
    return {"p50_ms": statistics.median(timings), "p99_ms": percentile(timings, 99)}


def bench_audience(key: str, limit: int = 5000) -> dict[str, float]:
    connection = http.client.HTTPConnection("127.0.0.1", PORT, timeout=60)
    headers = {"Authorization": f"Bearer {key}"}
    started = time.perf_counter()
    cursor, total, pages = "", 0, 0
    while True:
        query = f"purpose=marketing&limit={limit}" + (f"&cursor={cursor}" if cursor else "")
        connection.request("GET", f"/api/v1/sites/{SITE_KEY}/consents?{query}", headers=headers)
        response = connection.getresponse()
        page = json.loads(response.read())
        assert response.status == 200, page
        total += len(page["results"])
        pages += 1
        cursor = page["next"]
        if not cursor:
            break
    return {"subjects": total, "pages": pages, "seconds": time.perf_counter() - started}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--subjects", type=int, default=250_000)
    parser.add_argument("--duration", type=int, default=20)
    parser.add_argument("--connections", type=int, default=4)
    parser.add_argument("--fresh", action="store_true", help="drop the database and load from nothing")
    parser.add_argument("--load-only", action="store_true", help="load and check the subjects, then stop")
    args = parser.parse_args()
    if not os.environ["DATABASE_URL"].startswith("postgres"):
        raise SystemExit("set DATABASE_URL to a PostgreSQL database for the benchmark")
    database_ensure(os.environ["DATABASE_URL"], fresh=args.fresh)
    django_setup()
    from django.core.management import call_command

    from tests.banner.signing import signing_key_ensure

    call_command("migrate", verbosity=0)
    signing_key_ensure()
    load(args.subjects)
    if args.load_only:
        return
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    key = api_key()
    with LoadWatch() as load_watch:
        server, bare_server = gunicorn_start(), gunicorn_start("bench.bare:application", PORT + 1)
        try:
            pooled = alternating(
                {
                    "assent": (lookups(key, args.subjects, args.connections, "/api/v1", PORT), server.pid),
                    "bare": (lookups(key, args.subjects, args.connections, "/bare", PORT + 1), bare_server.pid),
                },
                seconds=args.duration, rounds=ROUNDS, rate="requests_per_s", medians=("p50_ms", "p99_ms"),
            )  # fmt: skip
            checks = bench_checks(key, args.subjects)
            audience = bench_audience(key)
        finally:
            for process in (server, bare_server):
                process.terminate()
                process.wait()
    found, bare = pooled["assent"], pooled["bare"]
    lines = [f"subjects: {args.subjects:,}, events: {args.subjects * 4:,}, {args.connections} connections, "
             f"{args.duration} s each in {ROUNDS} alternating rounds (p50, p99: median of the rounds), "
             "gunicorn 2 sync workers"]  # fmt: skip
    for name, figures in (("assent GET /subjects/<id>", found), ("baseline: bare DRF view, one row", bare)):
        lines.append(
            f"{name:<36}{figures['requests_per_s']:>10,.0f} requests/s, p50 {figures['p50_ms']:.1f} ms, "
            f"p99 {figures['p99_ms']:.1f} ms, non-2xx {figures['non_2xx']}, timeouts {figures['timeouts']}"
        )
    lines.append(f"lookups/s: {ratio(found['requests_per_s'], bare['requests_per_s'])}")
    lines.append(f"p99 latency: {ratio(found['p99_ms'], bare['p99_ms'])}")
    lines.append(cpu_line("lookup", found, bare))
    lines.append(f"bulk check of 1,000 subjects: p50 {checks['p50_ms']:.0f} ms, p99 {checks['p99_ms']:.0f} ms")
    lines.append(
        f"audience export: {audience['subjects']:,} subjects in {audience['pages']} pages, {audience['seconds']:.1f} s"
    )
    report("api: marketer API", lines, load_watch)


if __name__ == "__main__":
    main()
