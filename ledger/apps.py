"""The ledger's Django application."""

from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_migrate


class LedgerConfig(AppConfig):
    name = "ledger"
    verbose_name = "Ledger"

    def ready(self) -> None:
        # A flush (and the test runner's) empties the logs table: remembered rows would name deleted logs.
        post_migrate.connect(_logs_forget, dispatch_uid="ledger_logs_forget")


def _logs_forget(**_kwargs: Any) -> None:
    from ledger.logs import log_cache_clear

    log_cache_clear()
