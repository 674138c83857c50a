"""Fold the events again and compare with the state projection: repair it, or with --check only report."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from ledger.logs import log_find
from ledger.services import rebuild_state


class Command(BaseCommand):
    help = "Compare the current-state projection with a fold of the events; repair it unless --check is given."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--site", help="only this site key")
        parser.add_argument(
            "--check", action="store_true", help="change nothing; exit 1 naming the first row that differs"
        )

    def handle(self, *args: Any, site: str | None = None, check: bool = False, **options: Any) -> None:
        if site is not None and log_find(site) is None:
            raise CommandError(f"site {site}: no ledger for this site")
        differences = rebuild_state(site=site, repair=not check)
        for difference in differences[1:]:
            self.stderr.write(difference.describe())
        if check and differences:
            raise CommandError(differences[0].describe())
        if differences:
            self.stdout.write(f"{len(differences)} projection rows differed from the events and were rebuilt")
            self.stderr.write(differences[0].describe())
            return
        self.stdout.write("the state projection matches the events")
