"""Create an API key for an organization and print it once, on the last line."""

from datetime import timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from consent.api.models import ALL_SCOPES
from consent.api.services import api_key_create
from consent.models import Organization, Site
from consent.services import ConsentInputError


class Command(BaseCommand):
    help = "Create an API key (all scopes unless --scope is given); the key is printed once, on the last line."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("organization", help="The organization's name")
        parser.add_argument("--scope", action="append", choices=ALL_SCOPES, help="Repeat for several scopes")
        parser.add_argument("--site", action="append", default=[], help="Limit the key to this site key (repeatable)")
        parser.add_argument("--name", default="", help="What the key is for (default: 'created by command')")
        parser.add_argument("--expires-days", type=int, default=None, help="Expire the key after this many days")

    def handle(self, *args: Any, **options: Any) -> None:
        organization = Organization.objects.filter(name=options["organization"]).first()
        if organization is None:
            raise CommandError(f"no organization named {options['organization']!r}")
        sites = []
        for site_key in options["site"]:
            site = Site.objects.filter(key=site_key, organization=organization).first()
            if site is None:
                raise CommandError(f"organization {organization.name!r} has no site {site_key!r}")
            sites.append(site)
        expires_at = None
        if options["expires_days"] is not None:
            if options["expires_days"] < 1:
                raise CommandError("--expires-days must be at least 1")
            expires_at = timezone.now() + timedelta(days=options["expires_days"])
        try:
            api_key, key = api_key_create(
                organization=organization,
                name=options["name"] or "created by command",
                scopes=options["scope"],
                sites=sites,
                expires_at=expires_at,
            )
        except ConsentInputError as exc:
            raise CommandError(str(exc)) from None
        limits = f" limited to {', '.join(s.key for s in sites)}" if sites else ""
        self.stdout.write(
            f"Created API key {api_key.name!r} ({api_key.prefix}…) for {organization.name!r} "
            f"with scopes {', '.join(api_key.scopes)}{limits}. It is shown only now:"
        )
        self.stdout.write(key)
