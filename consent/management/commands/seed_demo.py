"""Create the demo customer (site key `demo`) and its user; running it again changes nothing."""

import os
from typing import Any

from django.core.management.base import BaseCommand

from consent.api.models import ApiKey
from consent.api.services import api_key_create
from consent.demo import DEMO_USER_EMAIL, DEMO_USER_PASSWORD, demo_seed
from consent.models import Organization


class Command(BaseCommand):
    help = "Create the demo organization, site, purposes, banner, user and one API key (idempotent)."

    def handle(self, *args: Any, **options: Any) -> None:
        result = demo_seed(port=int(os.environ.get("PORT", "8000")))
        verb = "Created" if result.created else "Checked"
        self.stdout.write(
            f"{verb} site {result.site.key!r} of organization {result.organization.name!r}, "
            f"banner version {result.version_number}; sign in as {DEMO_USER_EMAIL} / {DEMO_USER_PASSWORD}"
        )
        self._api_key(result.organization)

    def _api_key(self, organization: Organization) -> None:
        """Create the demo organization's first API key and print it once; later runs only say how to get another."""
        existing = ApiKey.objects.filter(organization=organization).order_by("created_at").first()
        if existing is not None:
            self.stdout.write(
                f"An API key for {organization.name!r} exists ({existing.prefix}…); make another with: "
                f"python manage.py create_api_key {organization.name}"
            )
            return
        _, key = api_key_create(organization=organization, name="demo")
        self.stdout.write(f"Created an API key for {organization.name!r} (all scopes); it is shown only now:")
        self.stdout.write(key)
