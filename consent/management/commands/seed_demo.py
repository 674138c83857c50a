"""Create the demo customer (site key `demo`) and its user; running it again changes nothing."""

import os
from typing import Any

from django.core.management.base import BaseCommand

from consent.demo import DEMO_USER_EMAIL, DEMO_USER_PASSWORD, demo_seed


class Command(BaseCommand):
    help = "Create the demo organization, site, purposes, banner and user (idempotent)."

    def handle(self, *args: Any, **options: Any) -> None:
        result = demo_seed(port=int(os.environ.get("PORT", "8000")))
        verb = "Created" if result.created else "Checked"
        self.stdout.write(
            f"{verb} site {result.site.key!r} of organization {result.organization.name!r}, "
            f"banner version {result.version_number}; sign in as {DEMO_USER_EMAIL} / {DEMO_USER_PASSWORD}"
        )
