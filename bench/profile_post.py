"""Profile the public consent POST: where one choice's time goes, and which SQL statements it runs.

    .venv/bin/python bench/profile_post.py [--choices 300] [--top 25]

Runs in one process on PostgreSQL (its own database, assent_bench_profile, dropped first) through
Django's test client, so the whole middleware stack and view run but no HTTP server: the cProfile
figures are Assent's own Python. Lists the statements of one choice with CaptureQueriesContext.
Prints; never run by the tests.
"""

import argparse
import cProfile
import io
import json
import os
import pstats
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.harness import BROKER_URL, CACHE_URL, database_ensure, database_url, signing_key_file

os.environ.update(
    {
        "DJANGO_SETTINGS_MODULE": "consent.settings",
        "DEBUG": "0",
        "SECRET_KEY": "bench-only-secret-key-0123456789abcdefghijklmnop",
        "ALLOWED_HOSTS": "testserver,127.0.0.1",
        "DATABASE_URL": database_url("assent_bench_profile"),
        "CELERY_BROKER_URL": BROKER_URL,
        "CACHE_URL": CACHE_URL,
        "ASSENT_PUBLIC_RATE_PER_CLIENT": "1000000000",
        "ASSENT_PUBLIC_RATE_PER_SITE": "1000000000",
        "ASSENT_VAR_DIR": tempfile.mkdtemp(prefix="assent-profile-"),
        "LOG_LEVEL": "WARNING",
    }
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--choices", type=int, default=300)
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--save", help="also write the raw profile here (for pstats or snakeviz)")
    args = parser.parse_args()
    database_ensure(os.environ["DATABASE_URL"], fresh=True)
    os.environ["LEDGER_SIGNING_KEY_FILE"] = str(signing_key_file(Path(os.environ["ASSENT_VAR_DIR"])))
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from consent.models import Organization
    from tests.factories import published_site

    call_command("migrate", verbosity=0)
    site = published_site(organization=Organization.objects.create(name="Profile"), key="bench")
    version = site.banner_versions.get().content_hash
    client = Client()
    url = "/api/v1/public/sites/bench/consents"

    def post(n: int) -> None:
        body = {
            "subject": f"{n:032x}",  # the banner's visitor id: 32 hex digits
            "choices": {"essential": True, "personalization": True, "analytics": n % 2 == 0, "marketing": False},
            "banner_version": version,
            "method": "custom",
            "locale": "en",
            "idempotency_key": f"profile-{n:08d}",
            "page_url": "https://bench.example/article",
        }
        response = client.post(url, json.dumps(body), content_type="application/json", HTTP_USER_AGENT="profile")
        assert response.status_code == 201, response.content

    for n in range(20):  # warm: imports, caches, the connection
        post(n)
    with CaptureQueriesContext(connection) as captured:
        post(20)
    # Read now: the next request's request_started signal empties the log the context reads from.
    statements = list(captured.captured_queries)
    if os.environ.get("PROFILE_DUMP_SQL"):
        Path(os.environ["PROFILE_DUMP_SQL"]).write_text("\n;\n".join(q["sql"] for q in statements))
    # Where a choice waits: each statement's round trip (and COMMIT's) timed over 100 choices.
    waits: dict[str, list[float]] = {}

    def timed(execute, sql, params, many, context):  # type: ignore[no-untyped-def]
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            waits.setdefault(" ".join(sql.split())[:60], []).append(time.perf_counter() - started)

    with connection.execute_wrapper(timed):
        for n in range(100_000, 100_100):
            post(n)
    print("statement round trips (median over 100 choices):")
    for sql, times in waits.items():
        print(f"  {sorted(times)[len(times) // 2] * 1000:7.3f} ms  x{len(times) / 100:.0f}  {sql}")
    # Unprofiled first: what one choice costs this process in wall time and in CPU time.
    wall, cpu = time.perf_counter(), time.process_time()
    for n in range(21, 21 + args.choices):
        post(n)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    profiler = cProfile.Profile()
    profiler.enable()
    for n in range(21 + args.choices, 21 + 2 * args.choices):
        post(n)
    profiler.disable()
    if args.save:
        profiler.dump_stats(args.save)

    print(
        f"one choice, unprofiled ({args.choices} choices): {wall / args.choices * 1000:.2f} ms wall,"
        f" {cpu / args.choices * 1000:.2f} ms CPU of this process"
    )
    print(f"statements for one choice (4 purposes), PostgreSQL: {len(statements)}")
    for query in statements:
        print(f"  {query['time']:>6} s  {' '.join(query['sql'].split())[:150]}")
    for order in ("cumulative", "tottime"):
        out = io.StringIO()
        stats = pstats.Stats(profiler, stream=out).strip_dirs().sort_stats(order)
        stats.print_stats(args.top)
        print(f"\n{args.choices} choices, sorted by {order}:")
        print("\n".join(line for line in out.getvalue().splitlines() if line.strip())[:6000])


if __name__ == "__main__":
    main()
