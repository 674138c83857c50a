"""Benchmark webhook delivery: one Celery worker (prefork, concurrency 2) on Redis, two local receivers.

- burst: CHOICES choices are recorded while no worker runs (each queues one delivery per destination),
  then the worker starts; deliveries/s is counted from the first arrival to the last. Baseline: as
  many no-op Celery tasks (bench/celery_noop.py), queued the same way and drained by the same worker;
- steady: RATE choices/s for SECONDS seconds with the worker running; latency is from the commit of
  the choice's transaction to the receiver holding a verified request (median, p99, max). Baseline:
  no-op tasks at the same rate, from apply_async to the task starting;
- a bare loop of signed `httpx.post` calls to the same receiver, one after another: what the
  receiver and loopback take without Celery, the database or the outbox.

Every request is verified with the standardwebhooks package, as a customer's receiver would.

    .venv/bin/python bench/hooks.py [--choices 10000] [--rate 100] [--seconds 30]
    .venv/bin/python bench/hooks.py --profile 300   # in process: statements per batch, cProfile top frames

Each choice's two deliveries travel in one message (one per committed change); the baseline queues one
no-op task per delivery, what a task per delivery would cost at the very least.

It creates its database (assent_bench_hooks, or the one DATABASE_URL names) and uses Redis db 10 as
the broker (CELERY_BROKER_URL or BENCH_BROKER_URL), which it flushes first: give the bench a Redis
database of its own. Prints the figures; never run by the test suite.
"""

import argparse
import json
import multiprocessing
import os
import queue
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.harness import (
    BROKER_URL,
    CACHE_URL,
    ROOT,
    LoadWatch,
    database_ensure,
    database_url,
    percentile,
    ratio,
    report,
)

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "consent.settings")
os.environ.setdefault("DEBUG", "1")
os.environ.setdefault("DATABASE_URL", database_url("assent_bench_hooks"))
os.environ.setdefault("CELERY_BROKER_URL", BROKER_URL)
os.environ.setdefault("CACHE_URL", CACHE_URL)
os.environ.setdefault("ASSENT_VAR_DIR", "/tmp/assent-hooks-bench")
os.environ["ASSENT_ALLOW_PRIVATE_DESTINATIONS"] = "1"

SITE_KEY = "hooks-bench"
ORGANIZATION = "Hooks bench"
PORT = 8766
PURPOSES = ("analytics", "marketing")
# Subjects are new on every run, so each choice changes both purposes and queues two deliveries.
RUN = os.environ.setdefault("BENCH_RUN", str(int(time.time())))


def receiver_run(port: int, secrets: dict[str, str], arrivals: "multiprocessing.Queue[tuple]") -> None:
    """Serve POST /<destination id>: verify, answer 204, report (path, webhook-id, receipt, arrival time)."""
    from standardwebhooks.webhooks import Webhook, WebhookVerificationError

    hooks = {path: Webhook(secret) for path, secret in secrets.items()}

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["content-length"]))
            arrived = time.time()
            try:
                payload = hooks[self.path].verify(body, dict(self.headers.items()))
                status = 204
            except (KeyError, WebhookVerificationError):
                payload, status = None, 400
            self.send_response(status)
            self.send_header("content-length", "0")
            self.end_headers()
            if payload is not None:
                arrivals.put((self.path, self.headers["webhook-id"], payload["data"].get("receipt"), arrived))

        def log_message(self, format: str, *args: object) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    server.daemon_threads = True
    server.serve_forever()


def django_setup(*, migrate: bool = False) -> None:
    import django

    django.setup()
    if migrate:
        from django.core.management import call_command

        call_command("migrate", verbosity=0)


def site_prepare(port: int) -> dict[str, str]:
    """Create the bench site with two destinations (dropping earlier ones); return {path: secret}."""
    from consent.hooks.services import destination_create
    from consent.models import Organization, Site
    from tests.banner.signing import signing_key_ensure
    from tests.factories import published_site

    signing_key_ensure()
    site = Site.objects.filter(key=SITE_KEY).first()
    if site is None:
        organization, _ = Organization.objects.get_or_create(name=ORGANIZATION)
        site = published_site(organization=organization, key=SITE_KEY)
    site.destinations.all().delete()
    secrets = {}
    for name, purposes in (("crm", ["marketing"]), ("analytics", [])):
        destination, secret = destination_create(
            site=site, url=f"http://127.0.0.1:{port}/{name}", purposes=purposes, name=name
        )
        destination.url = f"http://127.0.0.1:{port}/{destination.pk}"
        destination.save(update_fields=["url"])
        secrets[f"/{destination.pk}"] = secret
    return secrets


def broker_flush() -> None:
    """Empty the broker's own Redis database, so no message of an earlier run is counted."""
    import redis

    url = os.environ["CELERY_BROKER_URL"]
    redis.Redis.from_url(url).flushdb()


def worker_start() -> subprocess.Popen[bytes]:
    """Start one prefork worker at concurrency 2, as production runs it."""
    # Assent's app plus the baseline's no-op task: one worker serves both.
    command = [sys.executable, "-m", "celery", "--quiet", "-A", "bench.celery_noop", "worker", "--pool", "prefork"]
    command += ["--concurrency", "2", "--loglevel", os.environ.get("BENCH_WORKER_LOGLEVEL", "WARNING")]
    command += ["--without-gossip", "--without-mingle", "--without-heartbeat"]
    # Extra worker options to compare against production's (e.g. "--prefetch-multiplier 8").
    command += os.environ.get("BENCH_WORKER_ARGS", "").split()
    # DEBUG off, as in production: with it on, Django keeps every query of a process in memory.
    env = {**os.environ, "DEBUG": "0", "SECRET_KEY": os.environ.get("SECRET_KEY", "bench-" + "x" * 40)}
    return subprocess.Popen(command, cwd=ROOT, env=env, start_new_session=True)


def worker_stop(worker: subprocess.Popen[bytes]) -> None:
    """Ask the worker for a warm shutdown (its main process only), and kill it if it will not go."""
    os.kill(worker.pid, signal.SIGTERM)
    try:
        worker.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(worker.pid, signal.SIGKILL)
        worker.wait()


def choose(site, n: int) -> tuple[str, float]:
    """Record one choice that changes both purposes of subject n; return (receipt id, commit time)."""
    from consent.services import consent_record

    granted = n % 2 == 0
    _, receipt = consent_record(
        site=site,
        external_id=f"bench-{RUN}-{n // 2:06d}",
        choices=dict.fromkeys(PURPOSES, granted),
        source="api",
        method="api",
        locale="en",
    )
    return receipt.id, time.time()


def collect(arrivals: "multiprocessing.Queue[tuple]", expected: int, timeout: float, quiet: float = 30) -> list[tuple]:
    """Wait for `expected` verified arrivals, the timeout, or `quiet` seconds without one; return them."""
    seen: list[tuple] = []
    deadline = time.monotonic() + timeout
    while len(seen) < expected and time.monotonic() < deadline:
        try:
            seen.append(arrivals.get(timeout=min(quiet, max(0.0, deadline - time.monotonic()))))
        except queue.Empty:
            break
    return seen


def record_range(bounds: tuple[int, int]) -> int:
    """Record choices start..stop-1 (in a loader process of its own); return how many."""
    django_setup()
    from consent.models import Site

    site = Site.objects.get(key=SITE_KEY)
    for n in range(*bounds):
        choose(site, n)
    return bounds[1] - bounds[0]


def burst(arrivals, choices: int) -> dict[str, float]:
    """Queue `choices` choices with no worker (two loader processes), then let one worker drain them."""
    started = time.monotonic()
    # Each loader takes whole subjects (a grant and its withdrawal), so their order is kept.
    half = choices // 4 * 2
    with multiprocessing.get_context("spawn").Pool(2) as pool:
        pool.map(record_range, [(0, half), (half, choices)])
    recorded = time.monotonic() - started
    print(f"burst: recorded {choices} choices in {recorded:.1f} s ({choices / recorded:.0f}/s), worker stopped")
    from consent.hooks.models import Delivery

    expected = Delivery.objects.filter(destination__site__key=SITE_KEY).count()
    worker = worker_start()
    try:
        seen = collect(arrivals, expected, timeout=600)
    finally:
        worker_stop(worker)
    unique = {message_id for _, message_id, _, _ in seen}
    times = sorted(arrived for *_, arrived in seen)
    span = times[-1] - times[0] if len(times) > 1 else float("nan")
    return {"expected": expected, "verified": len(unique), "duplicates": len(seen) - len(unique),
            "per_s": len(seen) / span, "span_s": span}  # fmt: skip


def noop_results(count: int, timeout: float = 600) -> list[tuple[float, float]]:
    """Wait until `count` no-op tasks have run (or the timeout); return their (sent, started) times."""
    import redis

    from bench.celery_noop import KEY

    client = redis.Redis.from_url(os.environ["CELERY_BROKER_URL"])
    deadline = time.monotonic() + timeout
    while client.llen(KEY) < count and time.monotonic() < deadline:
        time.sleep(0.1)
    rows = [tuple(map(float, item.split())) for item in client.lrange(KEY, 0, -1)]
    client.delete(KEY)
    return rows  # type: ignore[return-value]


def noop_burst(count: int) -> dict[str, float]:
    """Queue `count` no-op tasks with no worker, then let the same worker drain them."""
    from bench.celery_noop import noop

    for _ in range(count):
        noop.apply_async(args=[time.time()])
    worker = worker_start()
    try:
        rows = noop_results(count)
    finally:
        worker_stop(worker)
    times = sorted(started for _, started in rows)
    span = times[-1] - times[0] if len(times) > 1 else float("nan")
    return {"ran": len(rows), "per_s": len(rows) / span, "span_s": span}


def paced(rate: int, seconds: int, action) -> float:
    """Call action(i) `rate` times a second for `seconds` s; return how far the driver ran over."""
    interval = 1.0 / rate
    started = time.monotonic()
    for i in range(rate * seconds):
        pause = started + i * interval - time.monotonic()
        if pause > 0:
            time.sleep(pause)
        action(i)
    return time.monotonic() - started - seconds


def steady(site, arrivals, rate: int, seconds: int, offset: int) -> dict[str, object]:
    """Record `rate` choices/s for `seconds` s with a worker running, then as many no-op tasks; return latencies."""
    from bench.celery_noop import noop

    worker = worker_start()
    try:
        # Wait until the worker answers: one warm-up choice must arrive at both receivers.
        choose(site, offset)
        if len(collect(arrivals, 2, timeout=60)) < 2:
            raise SystemExit("the worker did not deliver the warm-up choice within 60 s")
        committed: dict[str, float] = {}

        def record(i: int) -> None:
            receipt, at = choose(site, offset + 2 + i)
            committed[receipt] = at

        late = paced(rate, seconds, record)
        seen = collect(arrivals, 2 * len(committed), timeout=120)
        noop_late = paced(rate, seconds, lambda i: noop.apply_async(args=[time.time()]))
        noops = noop_results(rate * seconds, timeout=120)
    finally:
        worker_stop(worker)
    latencies = [(arrived - committed[receipt]) * 1000 for _, _, receipt, arrived in seen if receipt in committed]
    return {
        "choices": len(committed),
        "late": late,
        "deliveries_ms": latencies,
        "noop_ms": [(started - sent) * 1000 for sent, started in noops],
        "noop_late": noop_late,
    }


def httpx_loop(arrivals, secrets: dict[str, str], count: int) -> dict[str, float]:
    """Post `count` signed requests to one receiver, one after another, with a bare httpx client."""
    import httpx
    from standardwebhooks.webhooks import Webhook

    path, secret = next(iter(secrets.items()))
    hook = Webhook(secret)
    timings = []
    with httpx.Client(base_url=f"http://127.0.0.1:{PORT}") as client:
        started = time.perf_counter()
        for i in range(count):
            body = json.dumps({"type": "consent.updated", "data": {"receipt": None, "n": i}})
            stamp = datetime.now(UTC)
            message_id = f"msg_bench_{i}"
            headers = {
                "webhook-id": message_id,
                "webhook-timestamp": str(int(stamp.timestamp())),
                "webhook-signature": hook.sign(message_id, stamp, body),
                "content-type": "application/json",
            }
            begun = time.perf_counter()
            response = client.post(path, content=body, headers=headers)
            timings.append((time.perf_counter() - begun) * 1000)
            assert response.status_code == 204, response.status_code
        elapsed = time.perf_counter() - started
    collect(arrivals, count, timeout=60, quiet=5)
    return {"per_s": count / elapsed, "p50_ms": percentile(timings, 50), "p99_ms": percentile(timings, 99)}


def profile(arrivals, count: int) -> None:
    """Send `count` deliveries (a choice's two per batch) in this process under cProfile; print where time goes."""
    import cProfile
    import pstats

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from consent.hooks import delivery, outbox
    from consent.hooks.models import Delivery
    from consent.models import Site

    site = Site.objects.get(key=SITE_KEY)
    ringing = outbox.enqueue
    outbox.enqueue = lambda ids, countdown=None: None  # no worker: this process sends them
    try:
        first = int(time.time())
        for n in range(count // 2 + 2):
            choose(site, first * 10_000 + n)
    finally:
        outbox.enqueue = ringing
    ids = list(
        Delivery.objects.filter(status="pending", destination__site=site).order_by("id").values_list("id", flat=True)
    )
    batches = [ids[i : i + 2] for i in range(0, len(ids) - 1, 2)]
    delivery.deliveries_attempt(batches[0])  # warm: connections, imports
    with CaptureQueriesContext(connection) as queries:
        delivery.deliveries_attempt(batches[1])
    profiler = cProfile.Profile()
    started = time.perf_counter()
    profiler.enable()
    for batch in batches[2:]:
        delivery.deliveries_attempt(batch)
    profiler.disable()
    elapsed = time.perf_counter() - started
    sent = 2 * len(batches[2:])
    collect(arrivals, 2 * len(batches), timeout=60, quiet=5)
    print(f"profile: {sent} deliveries in batches of 2, {elapsed * 1000 / sent:.2f} ms a delivery in process, "
          f"{len(queries)} statements a batch, load {os.getloadavg()[0]:.2f}")  # fmt: skip
    for query in queries:
        print("  ", " ".join(query["sql"].split())[:110])
    stats = pstats.Stats(profiler)
    stats.sort_stats("cumulative").print_stats(20)
    stats.sort_stats("tottime").print_stats(12)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--choices", type=int, default=10_000)
    parser.add_argument("--rate", type=int, default=100)
    parser.add_argument("--seconds", type=int, default=30)
    parser.add_argument("--profile", type=int, default=0, help="only profile this many deliveries in process")
    args = parser.parse_args()
    if not os.environ["CELERY_BROKER_URL"].startswith("redis"):
        raise SystemExit("set CELERY_BROKER_URL to a Redis database of the bench's own")
    if os.environ["DATABASE_URL"].startswith("postgres"):
        database_ensure(os.environ["DATABASE_URL"])
    # A terminated bench still stops its worker and receiver (the finally blocks run).
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))
    django_setup(migrate=True)
    secrets = site_prepare(PORT)
    broker_flush()
    from consent.models import Site

    site = Site.objects.get(key=SITE_KEY)
    # Spawned, not forked: the child must not share this process's database connection.
    context = multiprocessing.get_context("spawn")
    arrivals: multiprocessing.Queue[tuple] = context.Queue()
    receiver = context.Process(target=receiver_run, args=(PORT, secrets, arrivals), daemon=True)
    receiver.start()
    if args.profile:
        try:
            profile(arrivals, args.profile)
        finally:
            receiver.terminate()
        return
    try:
        with LoadWatch() as load:
            deliveries = burst(arrivals, args.choices)
            noops = noop_burst(deliveries["expected"])
            flow = steady(site, arrivals, args.rate, args.seconds, offset=args.choices + (args.choices % 2))
            bare = httpx_loop(arrivals, secrets, min(deliveries["expected"], 2000))
    finally:
        receiver.terminate()
    report("hooks: webhook delivery", lines_of(args, deliveries, noops, flow, bare), load)


def lines_of(args: argparse.Namespace, deliveries: dict, noops: dict, flow: dict, bare: dict) -> list[str]:
    """Return the report: each figure beside its baseline."""
    ms, noop_ms = flow["deliveries_ms"], flow["noop_ms"]
    return [
        f"database {os.environ['DATABASE_URL'].rsplit('/', 1)[-1]}, broker {os.environ['CELERY_BROKER_URL']}, "
        f"one worker, prefork, concurrency 2; a choice's two deliveries in one message, one no-op task a delivery",
        f"burst: {deliveries['verified']:,} of {deliveries['expected']:,} deliveries verified "
        f"({deliveries['duplicates']} duplicates), {deliveries['per_s']:,.0f}/s over {deliveries['span_s']:.1f} s",
        f"baseline: {noops['ran']:,} no-op tasks, same broker and worker, {noops['per_s']:,.0f}/s "
        f"over {noops['span_s']:.1f} s",
        f"burst deliveries/s: {ratio(deliveries['per_s'], noops['per_s'])} (no-op tasks)",
        f"baseline: bare httpx.post loop to the receiver, {bare['per_s']:,.0f}/s, p50 {bare['p50_ms']:.2f} ms, "
        f"p99 {bare['p99_ms']:.2f} ms",
        f"burst deliveries/s: {ratio(deliveries['per_s'], bare['per_s'])} (httpx loop)",
        f"steady: {flow['choices']} choices at {args.rate}/s (driver {flow['late']:+.1f} s over), {len(ms)} "
        f"deliveries, commit -> verified receipt p50 {percentile(ms, 50):.1f} ms, p99 {percentile(ms, 99):.1f} ms",
        f"baseline: {len(noop_ms)} no-op tasks at {args.rate}/s, apply_async -> task start "
        f"p50 {percentile(noop_ms, 50):.1f} ms, p99 {percentile(noop_ms, 99):.1f} ms",
        f"steady p50: {ratio(percentile(ms, 50), percentile(noop_ms, 50))}; "
        f"p99: {ratio(percentile(ms, 99), percentile(noop_ms, 99))}",
    ]


if __name__ == "__main__":
    main()
