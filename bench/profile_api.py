"""Profile the marketer API in one process: a subject lookup and a bulk check of 1,000 subjects.

    .venv/bin/python bench/profile_api.py [--lookups 300] [--checks 20] [--top 20]

Reads the database bench/api.py loaded (assent_bench_api, or the one DATABASE_URL names; run that
first) through Django's test client, so the whole middleware stack and view run but no HTTP server.
Prints the statements of one lookup and one check (CaptureQueriesContext), then per request the
Python function calls and CPU time, and the cProfile listing. Prints; never run by the tests.
"""

import argparse
import cProfile
import io
import json
import os
import pstats
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.api import SITE_KEY, api_key, django_setup, subject_id
from bench.harness import BROKER_URL, CACHE_URL, database_url

os.environ.update(
    {
        "DJANGO_SETTINGS_MODULE": "consent.settings",
        "DEBUG": "0",
        "SECRET_KEY": os.environ.get("SECRET_KEY", "bench-" + "x" * 40),
        "ALLOWED_HOSTS": "testserver",
        "ASSENT_API_RATE_PER_KEY": "1000000000",
        "LOG_LEVEL": "WARNING",
    }
)
os.environ.setdefault("DATABASE_URL", database_url("assent_bench_api"))
os.environ.setdefault("CACHE_URL", CACHE_URL)
os.environ.setdefault("CELERY_BROKER_URL", BROKER_URL)


def measured(name: str, requests: list[tuple[str, str, str | None]], client, headers, top: int) -> None:
    """Run the requests under cProfile and print calls and CPU time per request, then the listing."""
    profiler = cProfile.Profile()
    cpu = time.process_time()
    profiler.enable()
    for method, path, body in requests:
        response = getattr(client, method)(path, body, content_type="application/json", **headers)
        assert response.status_code == 200, response.content
    profiler.disable()
    cpu = time.process_time() - cpu
    stats = pstats.Stats(profiler, stream=(out := io.StringIO())).strip_dirs()
    count = len(requests)
    print(f"\n{name}: {stats.total_calls / count:,.0f} function calls, {cpu / count * 1000:.1f} ms CPU per request")
    stats.sort_stats("cumulative").print_stats(top)
    print("\n".join(line for line in out.getvalue().splitlines() if line.strip())[:5000])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lookups", type=int, default=300)
    parser.add_argument("--checks", type=int, default=20)
    parser.add_argument("--subjects", type=int, default=20_000, help="how many bench/api.py loaded")
    parser.add_argument("--top", type=int, default=20)
    args = parser.parse_args()
    django_setup()
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client()
    headers = {"HTTP_AUTHORIZATION": f"Bearer {api_key()}"}
    rng = random.Random(7)
    lookup = f"/api/v1/sites/{SITE_KEY}/subjects/"
    lookups = [("get", lookup + subject_id(rng.randrange(args.subjects)), None) for _ in range(args.lookups)]
    check = f"/api/v1/sites/{SITE_KEY}/consents/check"
    checks = [
        (
            "post",
            check,
            json.dumps(
                {"subjects": [subject_id(rng.randrange(args.subjects)) for _ in range(1000)], "purposes": ["marketing"]}
            ),
        )
        for _ in range(args.checks)
    ]
    for method, path, body in lookups[:20] + checks[:2]:  # warm: imports, caches, the connection
        getattr(client, method)(path, body, content_type="application/json", **headers)
    for name, (method, path, body) in (("lookup", lookups[0]), ("bulk check of 1,000", checks[0])):
        with CaptureQueriesContext(connection) as captured:
            getattr(client, method)(path, body, content_type="application/json", **headers)
        # Read now: the next request's request_started signal empties the log the context reads from.
        statements = list(captured.captured_queries)
        print(f"statements for one {name}: {len(statements)}")
        for query in statements:
            print(f"  {query['time']:>6} s  {' '.join(query['sql'].split())[:150]}")
    measured(f"{args.lookups} lookups", lookups, client, headers, args.top)
    measured(f"{args.checks} bulk checks of 1,000", checks, client, headers, args.top)


if __name__ == "__main__":
    main()
