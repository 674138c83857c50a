"""Benchmark webhook delivery: one Celery worker (prefork, concurrency 2) on Redis, two local receivers.

- burst: CHOICES choices are recorded while no worker runs (each queues one delivery per destination),
  then the worker starts; deliveries/s is counted from the first arrival to the last;
- steady: RATE choices/s for SECONDS seconds with the worker running; latency is from the commit of
  the choice's transaction to the receiver holding a verified request (median, p99, max).

Every request is verified with the standardwebhooks package, as a customer's receiver would.

    DATABASE_URL=postgres://root@127.0.0.1:5432/assent_hooks_bench CELERY_BROKER_URL=redis://127.0.0.1:6379/5 \\
        .venv/bin/python bench/hooks.py [--choices 10000] [--rate 100] [--seconds 30]

The broker's Redis database is flushed first: give the bench a database of its own. Prints the
figures; never run by the test suite.
"""

import argparse
import json
import multiprocessing
import os
import queue
import signal
import statistics
import subprocess
import sys
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "consent.settings")
os.environ.setdefault("DEBUG", "1")
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
    command = [sys.executable, "-m", "celery", "-A", "consent", "worker", "--pool", "prefork"]
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


def burst(arrivals, choices: int) -> None:
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
    print(f"burst: {len(unique)} of {expected} deliveries verified ({len(seen) - len(unique)} duplicates)")
    print(f"burst: {len(seen) / span:.0f} deliveries/s from the first arrival to the last ({span:.1f} s)")


def steady(site, arrivals, rate: int, seconds: int, offset: int) -> None:
    """Record `rate` choices/s for `seconds` s with a worker running; print commit-to-receipt latency."""
    worker = worker_start()
    try:
        # Wait until the worker answers: one warm-up choice must arrive at both receivers.
        choose(site, offset)
        if len(collect(arrivals, 2, timeout=60)) < 2:
            raise SystemExit("the worker did not deliver the warm-up choice within 60 s")
        committed: dict[str, float] = {}
        interval = 1.0 / rate
        started = time.monotonic()
        for i in range(rate * seconds):
            pause = started + i * interval - time.monotonic()
            if pause > 0:
                time.sleep(pause)
            receipt, at = choose(site, offset + 2 + i)
            committed[receipt] = at
        late = time.monotonic() - started - seconds
        seen = collect(arrivals, 2 * len(committed), timeout=120)
    finally:
        worker_stop(worker)
    latencies = sorted((arrived - committed[receipt]) * 1000 for _, _, receipt, arrived in seen if receipt in committed)
    print(f"steady: {len(committed)} choices at {rate}/s (driver ran {late:+.1f} s over), {len(latencies)} deliveries")
    if len(latencies) < 2:
        return
    p99 = statistics.quantiles(latencies, n=100)[98]
    print(
        f"steady: commit → verified receipt median {statistics.median(latencies):.1f} ms, "
        f"p99 {p99:.1f} ms, max {latencies[-1]:.1f} ms"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--choices", type=int, default=10_000)
    parser.add_argument("--rate", type=int, default=100)
    parser.add_argument("--seconds", type=int, default=30)
    args = parser.parse_args()
    if not os.environ.get("CELERY_BROKER_URL", "").startswith("redis"):
        raise SystemExit("set CELERY_BROKER_URL to a Redis database of the bench's own")
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
    try:
        burst(arrivals, args.choices)
        steady(site, arrivals, args.rate, args.seconds, offset=args.choices + (args.choices % 2))
    finally:
        receiver.terminate()
    print(json.dumps({"database": os.environ.get("DATABASE_URL", "sqlite"), "broker": os.environ["CELERY_BROKER_URL"]}))


if __name__ == "__main__":
    main()
