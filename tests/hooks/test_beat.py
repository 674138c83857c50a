"""The real beat schedule against a real worker: every scheduled task is sent, routed, consumed and run."""

import re
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from celery.beat import PersistentScheduler
from django.conf import settings
from django.utils import timezone

from consent.celery import app
from tests.hooks.conftest import Worker, broker_purge, until

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


class Beat(Worker):
    """A real `celery -A consent beat` on a schedule file of its own."""

    def __init__(self, schedule: Path) -> None:
        super().__init__(loglevel="INFO", log="hooks-beat.log")
        self.schedule = schedule

    def start(self) -> "Beat":
        command = [sys.executable, "-m", "celery", "-A", "consent", "beat", "--loglevel", "INFO"]
        command += ["--schedule", str(self.schedule), "--max-interval", "1"]
        self._spawn(command)
        return self


def _schedule_all_due(path: Path) -> None:
    """Write beat's schedule file as if every entry last ran two days ago, so each is due at once."""
    scheduler = PersistentScheduler(app=app, schedule_filename=str(path), lazy=True)
    scheduler.setup_schedule()
    for entry in scheduler.schedule.values():
        entry.last_run_at = timezone.now() - timedelta(days=2)
    scheduler.sync()
    scheduler.close()


def _ran(log: Path, task: str) -> bool:
    return re.search(rf"Task {re.escape(task)}\[[^\]]+\] succeeded", log.read_text(errors="replace")) is not None


def test_every_scheduled_task_is_sent_by_beat_and_run_by_a_worker(committed, tmp_path):
    scheduled = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    schedule = tmp_path / "celerybeat-schedule"
    _schedule_all_due(schedule)
    broker_purge()
    worker = Worker(loglevel="INFO", log="hooks-beat-worker.log")
    beat = Beat(schedule)
    for process in (worker, beat):
        process.log.unlink(missing_ok=True)
    worker.start()
    beat.start()
    try:
        everything_ran = until(lambda: all(_ran(worker.log, task) for task in scheduled), timeout=40, interval=0.5)
    finally:
        beat.stop()
        worker.stop()

    beat_log = beat.log.read_text(errors="replace")
    assert "Couldn't apply scheduled task" not in beat_log, beat_log[-2000:]
    missing = sorted(task for task in scheduled if not _ran(worker.log, task))
    assert everything_ran, f"never ran: {missing}\n{beat_log[-2000:]}"


def test_every_task_has_a_soft_limit_within_its_hard_limit():
    for name, task in app.tasks.items():
        if name.startswith("celery."):
            continue
        hard = task.time_limit or app.conf.task_time_limit
        soft = task.soft_time_limit or app.conf.task_soft_time_limit
        assert soft <= hard, f"{name}: soft limit {soft} s above its hard limit {hard} s"


def test_a_worker_without_queues_named_consumes_every_routed_queue():
    routed = {route["queue"] for route in settings.CELERY_TASK_ROUTES.values()}
    assert routed <= set(app.amqp.queues)
