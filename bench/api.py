"""Benchmark the marketer API on PostgreSQL: subject lookups, bulk checks and an audience export.

Loads SUBJECTS subjects with four purpose decisions each (one event per purpose: 1,000,000 events
for 250,000 subjects), starts gunicorn with two sync workers on loopback, and drives it:

- subject lookups with wrk (`apt-get install wrk`), random subjects, keep-alive;
- bulk checks of 1,000 subjects, one after another, timed by the client;
- the whole audience of one purpose (every subject) by cursor.

    DATABASE_URL=postgres://root@127.0.0.1:5432/assent_api_bench CACHE_URL=redis://127.0.0.1:6379/6 \\
        .venv/bin/python bench/api.py [--subjects 250000] [--duration 20] [--reload]

Prints the figures; never run by the test suite.
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
from multiprocessing import Pool
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "consent.settings")
os.environ.setdefault("DEBUG", "1")

SITE_KEY = "bench"
ORGANIZATION = "Bench"
PORT = 8765
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


def load_range(bounds: tuple[int, int]) -> int:
    """Record one choice per subject in [start, stop), BATCH subjects per transaction."""
    django_setup()
    from django.db import transaction

    from consent.models import Site
    from consent.services import consent_record

    site = Site.objects.get(key=SITE_KEY)
    version = site.banner_versions.order_by("-number").first().content_hash
    rng = random.Random(bounds[0])
    start, stop = bounds
    for batch_start in range(start, stop, BATCH):
        with transaction.atomic():
            for n in range(batch_start, min(batch_start + BATCH, stop)):
                consent_record(
                    site=site,
                    external_id=subject_id(n),
                    # Everybody grants marketing, so its audience is every subject.
                    choices={"marketing": True, "analytics": rng.random() < 0.6, "personalization": True},
                    source="banner",
                    method="custom",
                    locale="en",
                    banner_version=version,
                )
    return stop - start


def load(subjects: int, processes: int = 2) -> None:
    """Load the subjects missing so far, in parallel processes."""
    from consent.models import Subject

    have = Subject.objects.filter(site__key=SITE_KEY).count()
    if have >= subjects:
        print(f"loaded already: {have} subjects")
        return
    chunk = max(BATCH, (subjects - have) // (processes * 8))
    ranges = [(n, min(n + chunk, subjects)) for n in range(have, subjects, chunk)]
    started = time.perf_counter()
    done = 0
    from django.db import connections

    connections.close_all()
    with Pool(processes) as pool:
        for count in pool.imap_unordered(load_range, ranges):
            done += count
            rate = done / (time.perf_counter() - started)
            print(f"  loaded {have + done}/{subjects} subjects ({rate:,.0f} subjects/s, {rate * 4:,.0f} events/s)")
    print(f"load: {done} subjects, {done * 4} events in {time.perf_counter() - started:.0f} s")


def api_key() -> str:
    from consent.api.services import api_key_create
    from consent.models import Organization

    _, key = api_key_create(organization=Organization.objects.get(name=ORGANIZATION), name="bench")
    return key


def gunicorn_start() -> subprocess.Popen:
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
            "consent.wsgi:application",
            "--workers",
            "2",
            "--bind",
            f"127.0.0.1:{PORT}",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
    )
    for _ in range(100):
        try:
            http.client.HTTPConnection("127.0.0.1", PORT, timeout=1).request("GET", "/healthz")
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
  local path = string.format("/api/v1/sites/%s/subjects/subject-%07d", "{site}", math.random(0, subjects - 1))
  return wrk.format("GET", path, {{["Authorization"] = "Bearer " .. key}})
end
done = function(summary, latency, requests)
  io.write(string.format("RESULT %d %d %d %.3f %.3f %.3f\\n", summary.requests, summary.errors.status,
    summary.duration, latency:percentile(50) / 1000, latency:percentile(99) / 1000, latency.mean / 1000))
end
"""


def bench_lookups(key: str, subjects: int, duration: int, connections: int) -> dict[str, float]:
    wrk = shutil.which("wrk")
    if wrk is None:
        raise SystemExit("wrk is needed for the lookup benchmark: apt-get install wrk")
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(WRK_SCRIPT.replace("{site}", SITE_KEY).replace("{{", "{").replace("}}", "}"))
    env = {**os.environ, "BENCH_KEY": key, "BENCH_SUBJECTS": str(subjects)}
    out = subprocess.run(
        [wrk, "-t1", f"-c{connections}", f"-d{duration}s", "-s", script.name, f"http://127.0.0.1:{PORT}"],
        capture_output=True,
        text=True,
        env=env,
        check=True,
    ).stdout
    fields = next(line for line in out.splitlines() if line.startswith("RESULT")).split()[1:]
    requests, errors, micros = int(fields[0]), int(fields[1]), int(fields[2])
    return {
        "requests_per_s": requests / (micros / 1e6),
        "p50_ms": float(fields[3]),
        "p99_ms": float(fields[4]),
        "non_2xx": errors,
    }


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
    timings.sort()
    return {"p50_ms": statistics.median(timings), "max_ms": timings[-1]}


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
    parser.add_argument("--processes", type=int, default=2)
    args = parser.parse_args()
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        raise SystemExit("set DATABASE_URL to a PostgreSQL database for the benchmark")
    django_setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    site_prepare()
    load(args.subjects, processes=args.processes)
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    key = api_key()
    server = gunicorn_start()
    try:
        lookups = bench_lookups(key, args.subjects, args.duration, args.connections)
        checks = bench_checks(key, args.subjects)
        audience = bench_audience(key)
    finally:
        server.terminate()
        server.wait()
    print(f"subjects: {args.subjects:,}, events: {args.subjects * 4:,}")
    print(
        f"subject lookup: {lookups['requests_per_s']:,.0f} requests/s, p50 {lookups['p50_ms']:.1f} ms, "
        f"p99 {lookups['p99_ms']:.1f} ms, non-2xx {lookups['non_2xx']} ({args.connections} connections, "
        f"{args.duration} s)"
    )
    print(f"bulk check of 1,000 subjects: p50 {checks['p50_ms']:.0f} ms, max {checks['max_ms']:.0f} ms")
    print(
        f"audience export: {audience['subjects']:,} subjects in {audience['pages']} pages, {audience['seconds']:.1f} s"
    )


if __name__ == "__main__":
    main()
