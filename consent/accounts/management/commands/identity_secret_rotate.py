"""Give a site a new identity secret and print it once, on the last line: the customer's backend signs with it."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from consent.accounts.services import identity_secret_rotate
from consent.models import Site


class Command(BaseCommand):
    help = "Replace a site's identity secret (tokens signed with the old one stop working) and print the new one."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("site_key", help="the key of the site, as in its embed tag")

    def handle(self, *args: Any, site_key: str, **options: Any) -> None:
        site = Site.objects.filter(key=site_key).first()
        if site is None:
            raise CommandError(f"site {site_key!r}: no such site")
        secret = identity_secret_rotate(site=site)
        self.stdout.write(f"New identity secret of site {site.key}; tokens made with the old one no longer work:")
        self.stdout.write(secret)
