"""Create the demo customer (site key `demo`) and its user; running it again changes nothing."""

import os
import secrets
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from consent.api.models import ApiKey
from consent.api.services import api_key_create
from consent.demo import DEMO_USER_EMAIL, DEMO_USER_PASSWORD, demo_seed
from consent.models import Organization

PUBLIC_OPT_IN = "--i-know-this-is-public"


class Command(BaseCommand):
    help = "Create the demo organization, site, purposes, banner, user and one API key (idempotent)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            PUBLIC_OPT_IN,
            action="store_true",
            dest="public",
            help="seed outside DEBUG (a demo on a reachable server): the demo user gets a random password, "
            "printed once, instead of the documented one",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        # The demo user is a superuser: with the documented password on a reachable server, anyone
        # who has read the README owns the installation.
        if settings.DEBUG:
            password, shown = DEMO_USER_PASSWORD, DEMO_USER_PASSWORD
        elif options["public"]:
            password = secrets.token_urlsafe(18)
            shown = f"{password} (shown only now)"
        else:
            raise CommandError(
                f"seed_demo creates a superuser for the demo; it runs only with DEBUG=1, or with {PUBLIC_OPT_IN} "
                "to give that user a random password"
            )
        result = demo_seed(port=int(os.environ.get("PORT", "8000")), password=password)
        verb = "Created" if result.created else "Checked"
        self.stdout.write(
            f"{verb} site {result.site.key!r} of organization {result.organization.name!r}, "
            f"banner version {result.version_number}"
        )
        if result.user_created:
            self.stdout.write(f"Sign in as {DEMO_USER_EMAIL} / {shown}")
        elif settings.DEBUG:
            self.stdout.write(f"Sign in as {DEMO_USER_EMAIL} / {DEMO_USER_PASSWORD}")
        self._api_key(result.organization)

    def _api_key(self, organization: Organization) -> None:
        """Create the demo organization's first API key and print it once; later runs only say how to get another."""
        existing = ApiKey.objects.filter(organization=organization).order_by("created_at").first()
        if existing is not None:
            self.stdout.write(
                f"An API key for {organization.name!r} exists ({existing.prefix}…); make another with: "
                f'make manage ARGS="create_api_key {organization.name}"'
            )
            return
        _, key = api_key_create(organization=organization, name="demo")
        self.stdout.write(f"Created an API key for {organization.name!r} (all scopes); it is shown only now:")
        self.stdout.write(key)
