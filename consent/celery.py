"""The Celery application; its settings are the CELERY_* names in consent.settings."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "consent.settings")

app = Celery("assent")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks(["ledger", "consent", "consent.banner", "consent.hooks", "consent.api", "consent.accounts"])
