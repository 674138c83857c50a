"""A real PostgreSQL restart and stop under load: every acknowledged choice is in the ledger exactly once."""

import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest

ROOT = Path(__file__).resolve().parents[2]
PG_BIN = Path("/usr/lib/postgresql/15/bin")
RUNUSER = shutil.which("runuser") or "/usr/sbin/runuser"
CONSENTS = "/api/v1/public/sites/demo/consents"
MAX_REQUESTS = 300
DEADLINE_SECONDS = 60
# The server asks for 10 s; the test compresses time, so the retry follows sooner.
RETRY_PAUSE = 0.2
PACE = 0.05


def _spare_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _as_postgres(*argv: str) -> None:
    """Run a PostgreSQL program as the postgres user: initdb and postgres refuse to run as root."""
    subprocess.run([RUNUSER, "-u", "postgres", "--", *argv], check=True, capture_output=True, timeout=60)


class OwnPostgres:
    """A PostgreSQL cluster of the test's own, which the test may restart or stop at any moment."""

    def __init__(self) -> None:
        self.port = _spare_port()
        # pytest's tmp_path is private to root; the cluster's owner must be able to reach this one.
        self.home = Path(tempfile.mkdtemp(prefix="assent-pg-", dir="/tmp"))
        self.home.chmod(0o777)
        shutil.chown(self.home, user="postgres")
        self.data = self.home / "data"
        _as_postgres(str(PG_BIN / "initdb"), "-D", str(self.data), "-A", "trust", "-U", "postgres")
        self.options = f"-p {self.port} -k {self.home} -c listen_addresses=127.0.0.1 -c fsync=off"
        self.start()
        with psycopg.connect(self.url("postgres"), autocommit=True) as conn:
            conn.execute("CREATE DATABASE assent")

    def url(self, database: str = "assent") -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{database}"

    def _pg_ctl(self, command: str, *extra: str) -> None:
        log = str(self.home / "postgres.log")
        _as_postgres(str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-l", log, "-w", *extra, command)

    def start(self) -> None:
        self._pg_ctl("start", "-o", self.options)

    def restart(self) -> None:
        self._pg_ctl("restart", "-m", "fast", "-o", self.options)

    def stop(self) -> None:
        self._pg_ctl("stop", "-m", "fast")

    def remove(self) -> None:
        if (self.data / "postmaster.pid").exists():
            self._pg_ctl("stop", "-m", "immediate")
        shutil.rmtree(self.home, ignore_errors=True)


@pytest.fixture
def own_postgres() -> Iterator[OwnPostgres]:
    if os.geteuid() != 0 or not (PG_BIN / "initdb").exists():
        pytest.skip("needs root (to run PostgreSQL as its own user) and PostgreSQL 15's binaries")
    cluster = OwnPostgres()
    try:
        yield cluster
    finally:
        cluster.remove()


def _environment(cluster: OwnPostgres, var: Path) -> dict[str, str]:
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "DJANGO_SETTINGS_MODULE": "consent.settings",
        "DEBUG": "1",  # the demo seed's documented user, and a signing key of its own in ASSENT_VAR_DIR
        "ASSENT_VAR_DIR": str(var),
        "DATABASE_URL": cluster.url(),
        "CACHE_URL": f"file://{var / 'cache'}",
        "CELERY_BROKER_URL": "filesystem://",
        # The limiter must not be what refuses: every request here comes from one address.
        "ASSENT_PUBLIC_RATE_PER_CLIENT": "100000",
        "ASSENT_PUBLIC_RATE_PER_SITE": "100000",
    }


@pytest.fixture
def server(own_postgres: OwnPostgres, tmp_path: Path) -> Iterator[str]:
    """Migrate and seed the cluster, then serve the app with gunicorn as production does; yield its base URL."""
    env = _environment(own_postgres, tmp_path / "var")
    manage = [sys.executable, "manage.py"]
    for command in (["migrate", "--verbosity", "0"], ["seed_demo"]):
        subprocess.run([*manage, *command], cwd=ROOT, env=env, check=True, capture_output=True, timeout=180)
    port = _spare_port()
    log = (tmp_path / "gunicorn.log").open("wb")
    # The same server, workers and logger as `manage.py serve` and the image.
    argv = [
        *(sys.executable, "-m", "gunicorn", "consent.wsgi:application"),
        *("--bind", f"127.0.0.1:{port}", "--workers", "2"),
        *("--logger-class", "consent.edge.accesslog.AccessLogger", "--error-logfile", "-"),
    ]
    process = subprocess.Popen(argv, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                httpx.get(f"{base}/healthz", timeout=2)
                break
            except httpx.TransportError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise
                time.sleep(0.1)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()
        print((tmp_path / "gunicorn.log").read_text(errors="replace")[-4000:])


@dataclass
class Tally:
    """What the client saw: every answer, and the choices the server acknowledged."""

    answers: list[tuple[int, str, str | None]] = field(default_factory=list)  # status, content type, Retry-After
    # (sent, answered, status) on the monotonic clock, to tell a refusal during an outage from one after it.
    times: list[tuple[float, float, int]] = field(default_factory=list)
    acknowledged: dict[str, dict[str, Any]] = field(default_factory=dict)  # idempotency key -> its answer
    sent: list[str] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def acknowledged_count(self) -> int:
        with self.lock:
            return len(self.acknowledged)


def _post_until_acknowledged(client: httpx.Client, body: dict[str, Any], tally: Tally, stop_at: float) -> None:
    """Post one choice; after a 503, post the same body and key again until it is acknowledged."""
    payload = json.dumps(body)
    while len(tally.answers) < MAX_REQUESTS and time.monotonic() < stop_at:
        sent = time.monotonic()
        try:
            response = client.post(CONSENTS, content=payload, headers={"Content-Type": "application/json"})
        except httpx.TransportError as exc:
            tally.failures.append(f"no answer: {exc!r}")
            return
        tally.times.append((sent, time.monotonic(), response.status_code))
        kind = response.headers.get("Content-Type", "")
        tally.answers.append((response.status_code, kind, response.headers.get("Retry-After")))
        if not kind.startswith("application/json"):
            tally.failures.append(f"{response.status_code} {kind}: {response.text[:300]}")
            return
        if response.status_code in (200, 201):
            with tally.lock:
                tally.acknowledged[body["idempotency_key"]] = response.json()
            return
        if response.status_code != 503:
            tally.failures.append(f"{response.status_code}: {response.text[:300]}")
            return
        time.sleep(RETRY_PAUSE)
    tally.failures.append(f"never acknowledged: {body['idempotency_key']}")


def _post_choices(base: str, version: str, slugs: list[str], tally: Tally, done: threading.Event) -> None:
    """Post distinct visitors' choices, one after another, until told to stop or out of budget."""
    stop_at = time.monotonic() + DEADLINE_SECONDS
    with httpx.Client(base_url=base, timeout=15) as client:
        while not done.is_set() and not tally.failures and len(tally.answers) < MAX_REQUESTS:
            n = len(tally.sent)
            body = {
                "subject": secrets.token_hex(16),
                "choices": {slug: n % (i + 2) == 0 for i, slug in enumerate(slugs)},
                "banner_version": version,
                "method": "custom",
                "locale": "en",
                "idempotency_key": f"restart-{n:04d}-{secrets.token_hex(4)}",
            }
            tally.sent.append(body["idempotency_key"])
            _post_until_acknowledged(client, body, tally, stop_at)
            time.sleep(PACE)


def _wait_for(tally: Tally, count: int, done: threading.Event) -> None:
    deadline = time.monotonic() + 20
    while tally.acknowledged_count() < count and not tally.failures and time.monotonic() < deadline:
        if done.is_set():
            return
        time.sleep(0.05)


@pytest.mark.slow
def test_every_acknowledged_choice_survives_a_database_restart_and_stop_exactly_once(own_postgres, server):
    config = httpx.get(f"{server}/api/v1/public/sites/demo/config", timeout=10).json()
    version = config["banner_version"]
    slugs = [purpose["slug"] for purpose in config["purposes"] if purpose["legal_basis"] == "consent"]
    required = {purpose["slug"] for purpose in config["purposes"] if purpose["required"]}
    assert slugs, config["purposes"]
    tally = Tally()
    done = threading.Event()
    client = threading.Thread(target=_post_choices, args=(server, version, slugs, tally, done))
    client.start()
    up: list[tuple[float, float]] = []  # spans in which the database was answering throughout
    try:
        _wait_for(tally, 10, done)
        own_postgres.restart()  # every worker's persistent connection now points at a dead backend
        back = time.monotonic()
        _wait_for(tally, tally.acknowledged_count() + 10, done)
        up.append((back, time.monotonic()))
        own_postgres.stop()
        time.sleep(3)
        own_postgres.start()
        back = time.monotonic()
        _wait_for(tally, tally.acknowledged_count() + 10, done)
        up.append((back, time.monotonic()))
    finally:
        done.set()
        client.join(timeout=DEADLINE_SECONDS)
    assert not client.is_alive()

    statuses = Counter(status for status, _kind, _retry in tally.answers)
    assert not tally.failures, (tally.failures, statuses)
    assert len(tally.answers) <= MAX_REQUESTS
    assert statuses[500] == 0
    assert statuses[503] > 0, f"the outage was never seen: {statuses}"
    assert all(int(retry or 0) > 0 for status, _kind, retry in tally.answers if status == 503)
    assert set(tally.acknowledged) == set(tally.sent), "a choice was left unacknowledged"
    # Once the database answers again, a connection the outage broke never refuses a request.
    refused_while_up = [
        (sent, status)
        for sent, answered, status in tally.times
        for start, end in up
        if start <= sent and answered < end
        if status not in (200, 201)
    ]
    assert not refused_while_up, (up, refused_while_up)

    with psycopg.connect(own_postgres.url()) as conn:
        keys = dict(
            conn.execute(
                "SELECT idempotency_key, array_agg(receipt_id::text) FROM ledger_idempotencykey "
                "WHERE channel = 'public' GROUP BY idempotency_key"
            ).fetchall()
        )
        events: dict[str, Counter[str]] = {}
        for receipt, purpose in conn.execute("SELECT receipt_id::text, purpose FROM ledger_event").fetchall():
            events.setdefault(receipt, Counter())[purpose] += 1
    assert set(keys) == set(tally.acknowledged), "the ledger holds a choice nobody sent, or lost one"
    assert set(events) == {answer["receipt"] for answer in tally.acknowledged.values()}, "events without a choice"
    for key, answer in tally.acknowledged.items():
        assert keys[key] == [answer["receipt"]], key  # one receipt per key, the one acknowledged
        recorded = events[answer["receipt"]]
        assert set(recorded) >= {*slugs, *required}, (key, recorded)
        assert set(recorded.values()) == {1}, (key, recorded)  # one event per purpose, never doubled
