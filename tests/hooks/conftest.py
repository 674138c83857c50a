"""Fixtures for webhooks: a signing key, private destinations, real Celery workers and a real receiver."""

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.db import connection

from consent.celery import app
from tests.hooks.receiver import Receiver
from tests.ledger.cleanup import ledger_rows_delete


@pytest.fixture
def private_allowed(settings):
    """Let destinations point at 127.0.0.1 over plain http, as the local receivers do."""
    settings.ASSENT_ALLOW_PRIVATE_DESTINATIONS = True


BROKER_IS_REDIS = django_settings.CELERY_BROKER_URL.startswith("redis")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Deselect Redis-only tests (flushing the broker mid-run) when the broker is the filesystem."""
    if BROKER_IS_REDIS:
        return
    kept, dropped = [], []
    for item in items:
        (dropped if item.get_closest_marker("redis") and "tests/hooks" in str(item.fspath) else kept).append(item)
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = kept


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "redis: needs a Redis broker (deselected on the filesystem broker)")


def broker_purge() -> None:
    """Drop messages earlier tests left at the broker, so a new worker starts on this test's work."""
    app.control.purge()


def database_url() -> str:
    """Return a DATABASE_URL naming the test database this session created."""
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    auth = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


class Worker:
    """A real `celery -A consent worker` (prefork, concurrency 2) on the test database and broker."""

    def __init__(self, *, loglevel: str = "WARNING", log: str = "hooks-worker.log", **env: str) -> None:
        self.process: subprocess.Popen[bytes] | None = None
        self.log = Path(django_settings.VAR_DIR) / log
        self.loglevel = loglevel
        self.env = env

    def start(self) -> "Worker":
        """Start the worker process (the broker keeps messages until it is up)."""
        command = [sys.executable, "-m", "celery", "-A", "consent", "worker", "--pool", "prefork"]
        command += ["--concurrency", "2", "--loglevel", self.loglevel, "--without-gossip", "--without-mingle"]
        return self._spawn(command)

    def _spawn(self, command: list[str]) -> "Worker":
        env = {
            **os.environ,
            "DEBUG": "1",
            "DATABASE_URL": database_url(),
            "ASSENT_VAR_DIR": str(django_settings.VAR_DIR),
            "CELERY_BROKER_URL": django_settings.CELERY_BROKER_URL,
            "ASSENT_ALLOW_PRIVATE_DESTINATIONS": "1",
            "ASSENT_HOOKS_BACKOFF_DIVISOR": "100",
            **self.env,
        }
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(
                command,
                cwd=django_settings.BASE_DIR,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        return self

    def kill(self) -> None:
        """Kill the worker and its children with SIGKILL, as a crash would."""
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=30)

    def stop(self) -> None:
        """Stop the worker without waiting for a warm shutdown: acks_late makes that safe."""
        self.kill()


@pytest.fixture
def committed(transactional_db) -> Iterator[None]:
    """Commit for real (workers must see the rows); empty the append-only ledger before the flush."""
    yield
    ledger_rows_delete()


@pytest.fixture
def worker(committed) -> Iterator[Worker]:
    broker_purge()
    started = Worker().start()
    try:
        yield started
    finally:
        started.stop()
        connection.close()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    running = Receiver().start()
    try:
        yield running
    finally:
        running.stop()


def until(predicate, timeout: float, interval: float = 0.1) -> bool:  # type: ignore[no-untyped-def]
    """Wait until predicate() holds; return whether it did in time."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return bool(predicate())
