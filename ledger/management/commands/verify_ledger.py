"""Verify every site's ledger (or one): exit 0 when all holds, 1 naming the site and first bad event."""

from io import StringIO
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection

from ledger.triggers import triggers_problems
from ledger.verification import Problem, ledger_verify


class Command(BaseCommand):
    help = (
        "Check events, leaves, subtrees, signed checkpoints, integration delay, the state projection "
        "and the append-only triggers of the ledger."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--site", help="verify only this site key")

    def handle(self, *args: Any, site: str | None = None, **options: Any) -> None:
        results = ledger_verify(site=site)
        if site is not None and not results:
            raise CommandError(f"site {site}: no ledger for this site")
        failures = [result.line() for result in results if isinstance(result, Problem)]
        for result in results:
            if not isinstance(result, Problem):
                self.stdout.write(
                    f"site {result.site}: {result.size} leaves, {result.checkpoints} checkpoints verified; "
                    f"root {result.root}"
                )
        failures += self._projection_check(site)
        # The data may be intact, but with a trigger gone, disabled or rewritten nothing stops a write.
        failures += [f"database: {problem}" for problem in triggers_problems(connection)]
        for failure in failures[1:]:
            self.stderr.write(failure)
        if failures:
            raise CommandError(failures[0])

    def _projection_check(self, site: str | None) -> list[str]:
        """Return the projection rows that differ from a fold of the events, as rebuild_state --check finds them."""
        report = StringIO()
        try:
            call_command("rebuild_state", check=True, site=site, stdout=StringIO(), stderr=report)
        except CommandError as failed:
            return [str(failed), *report.getvalue().splitlines()]
        return []
