"""Write a site's ledger export (JSON lines) for the offline verifier, `python -m ledger.verify`."""

import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from ledger.export import export_lines
from ledger.logs import log_find


class Command(BaseCommand):
    help = "Export one site's events, leaves, checkpoints and public keys as JSON lines."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--site", required=True, help="the site key")
        parser.add_argument("--output", type=Path, help="write here instead of standard output")

    def handle(self, *args: Any, site: str, output: Path | None = None, **options: Any) -> None:
        log = log_find(site)
        if log is None:
            raise CommandError(f"site {site}: no ledger for this site")
        if output is None:
            sys.stdout.writelines(export_lines(log))
            return
        with output.open("w", encoding="utf-8") as file:
            file.writelines(export_lines(log))
        self.stderr.write(f"site {site}: export written to {output}")
