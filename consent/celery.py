"""The Celery application; its settings are the CELERY_* names in consent.settings."""

import os

from celery import Celery
from celery.signals import task_postrun, task_prerun

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "consent.settings")

app = Celery("assent")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks(
    [
        "ledger",
        "consent",
        "consent.banner",
        "consent.hooks",
        "consent.api",
        "consent.accounts",
        "consent.dsr",
        "consent.console",
    ]
)


@task_prerun.connect
@task_postrun.connect
def _connections_tidy(**_: object) -> None:
    """Close connections that are broken or past CONN_MAX_AGE, as Django does around a request."""
    from django.db import close_old_connections

    close_old_connections()


@app.task(name="consent.celery.sessions_clear", time_limit=300, soft_time_limit=240)
def sessions_clear() -> str:
    """Delete expired sessions (beat, daily), with whatever one-time secrets they still held."""
    from django.core.management import call_command

    call_command("clearsessions")
    return "cleared"
