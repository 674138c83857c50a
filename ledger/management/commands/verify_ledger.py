"""Verify every site's ledger (or one): exit 0 when all holds, 1 naming the site and first bad event."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection

from ledger.triggers import triggers_missing
from ledger.verification import Problem, ledger_verify


class Command(BaseCommand):
    help = "Check events, leaves, subtrees, signed checkpoints and integration delay of the ledger."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--site", help="verify only this site key")

    def handle(self, *args: Any, site: str | None = None, **options: Any) -> None:
        missing = triggers_missing(connection)
        if missing:
            # The data may still be intact (that is what the checks below decide), but nothing stops a write.
            self.stderr.write(f"warning: append-only triggers are missing: {', '.join(missing)}")
        results = ledger_verify(site=site)
        if site is not None and not results:
            raise CommandError(f"site {site}: no ledger for this site")
        problems = [result for result in results if isinstance(result, Problem)]
        for result in results:
            if not isinstance(result, Problem):
                self.stdout.write(
                    f"site {result.site}: {result.size} leaves, {result.checkpoints} checkpoints verified; "
                    f"root {result.root}"
                )
        for problem in problems[1:]:
            self.stderr.write(problem.line())
        if problems:
            raise CommandError(problems[0].line())
