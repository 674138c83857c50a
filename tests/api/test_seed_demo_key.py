"""seed_demo hands out one API key for the Demo organization, the first time only."""

from io import StringIO

import pytest
from django.core.management import call_command

from consent.api.keys import key_hash, key_is_well_formed
from consent.api.models import ALL_SCOPES, ApiKey

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _development(settings):
    settings.DEBUG = True


def seed() -> list[str]:
    out = StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue().strip().splitlines()


def test_the_first_seed_prints_a_working_demo_key_on_the_last_line():
    key = seed()[-1]
    assert key_is_well_formed(key)
    api_key = ApiKey.objects.get(key_hash=key_hash(key))
    assert api_key.organization.name == "Demo"
    assert api_key.scopes == ALL_SCOPES


def test_seeding_again_makes_no_new_key_and_says_how_to_make_one():
    first = seed()[-1]
    again = seed()
    assert ApiKey.objects.count() == 1
    assert first not in "\n".join(again)
    assert "create_api_key Demo" in again[-1]
