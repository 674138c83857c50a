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
