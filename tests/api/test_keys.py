"""API keys: their format, how they are made, revoked and refused."""

import os
import subprocess
import sys
from datetime import timedelta
from urllib.parse import urlparse

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.utils import timezone

from consent.api.keys import KEY_PREFIX, key_generate, key_hash, key_is_well_formed
from consent.api.models import ALL_SCOPES, ApiKey
from consent.api.services import api_key_create, api_key_revoke
from consent.services import ConsentInputError
from tests.factories import UserFactory


def test_a_key_carries_its_prefix_and_a_checksum_that_catches_a_typo():
    key = key_generate()
    assert key.startswith(KEY_PREFIX)
    assert key_is_well_formed(key)
    typo = key[:-7] + ("a" if key[-7] != "a" else "b") + key[-6:]
    assert not key_is_well_formed(typo)
    assert not key_is_well_formed(key[:-1])
    assert not key_is_well_formed("sk_live_" + key[len(KEY_PREFIX) :])


@pytest.mark.django_db
def test_it_stores_only_a_hash_of_the_key(organization):
    api_key, key = api_key_create(organization=organization, name="crm")
    stored = ApiKey.objects.values().get(pk=api_key.pk)
    assert key not in str(stored)
    assert stored["key_hash"] == key_hash(key)
    assert key.startswith(stored["prefix"])
    assert api_key.scopes == ALL_SCOPES


@pytest.mark.django_db
def test_it_rejects_an_unknown_scope(organization):
    with pytest.raises(ConsentInputError) as caught:
        api_key_create(organization=organization, name="crm", scopes=["consent:everything"])
    assert caught.value.field == "scopes"
    assert not ApiKey.objects.exists()


@pytest.mark.django_db
def test_it_refuses_to_limit_a_key_to_another_organizations_site(organization, outsider_site):
    with pytest.raises(ConsentInputError) as caught:
        api_key_create(organization=organization, name="crm", sites=[outsider_site])
    assert caught.value.field == "sites"


@pytest.mark.django_db
def test_it_refuses_an_expiry_in_the_past(organization):
    with pytest.raises(ConsentInputError) as caught:
        api_key_create(organization=organization, name="crm", expires_at=timezone.now() - timedelta(seconds=1))
    assert caught.value.field == "expires_at"


@pytest.mark.django_db
def test_revoking_twice_keeps_the_first_time(organization):
    api_key, _ = api_key_create(organization=organization, name="crm")
    first = api_key_revoke(api_key=api_key).revoked_at
    assert first is not None
    assert api_key_revoke(api_key=api_key).revoked_at == first


@pytest.mark.django_db
def test_the_command_prints_a_working_key_once_on_the_last_line(organization, site, capsys):
    call_command("create_api_key", "Acme", "--scope", "consent:read", "--site", "acme", "--name", "crm")
    out = capsys.readouterr().out.strip().splitlines()
    key = out[-1]
    assert key_is_well_formed(key)
    assert sum(key in line for line in out) == 1
    api_key = ApiKey.objects.get(key_hash=key_hash(key))
    assert api_key.scopes == ["consent:read"]
    assert list(api_key.sites.all()) == [site]
    assert api_key.name == "crm"


@pytest.mark.django_db
def test_the_command_gives_all_scopes_and_an_expiry_when_asked(organization, capsys):
    call_command("create_api_key", "Acme", "--expires-days", "30")
    key = capsys.readouterr().out.strip().splitlines()[-1]
    api_key = ApiKey.objects.get(key_hash=key_hash(key))
    assert api_key.scopes == ALL_SCOPES
    assert timedelta(days=29) < api_key.expires_at - timezone.now() <= timedelta(days=30)


@pytest.mark.django_db
def test_the_command_fails_with_one_line_for_an_unknown_organization():
    with pytest.raises(CommandError, match="no organization named 'Nobody'"):
        call_command("create_api_key", "Nobody")
    assert not ApiKey.objects.exists()


@pytest.mark.django_db
def test_the_command_refuses_a_site_of_another_organization(organization, outsider_site):
    with pytest.raises(CommandError, match="has no site 'other'"):
        call_command("create_api_key", "Acme", "--site", "other")
    assert not ApiKey.objects.exists()


@pytest.mark.django_db
def test_the_admin_creates_a_key_and_shows_it_once(client, organization, site):
    admin = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(admin)
    form = {"organization": organization.pk, "name": "crm", "scopes": ["consent:read"], "sites": [site.pk]}
    response = client.post("/admin/api/apikey/add/", form, follow=True)
    assert response.status_code == 200
    api_key = ApiKey.objects.get()
    [message] = [str(m) for m in response.context["messages"] if "not be shown again" in str(m)]
    key = message.rsplit(" ", 1)[1]
    assert key_hash(key) == api_key.key_hash
    assert api_key.scopes == ["consent:read"]
    assert list(api_key.sites.all()) == [site]
    change_page = client.get(f"/admin/api/apikey/{api_key.pk}/change/").content.decode()
    assert key not in change_page
    assert api_key.prefix in change_page


@pytest.mark.django_db
def test_the_command_exits_non_zero_with_one_line_from_the_shell():
    env = {**os.environ, "DEBUG": "1", "DATABASE_URL": _test_database_url()}
    done = subprocess.run(
        [sys.executable, "manage.py", "create_api_key", "Nobody at all"],
        capture_output=True,
        text=True,
        env=env,
        cwd=settings.BASE_DIR,
    )
    assert done.returncode != 0
    assert done.stderr.strip().splitlines() == ["CommandError: no organization named 'Nobody at all'"]
    assert done.stdout == ""


def _test_database_url() -> str:
    """Return a DATABASE_URL naming the test database, for a command run in another process."""
    name = connection.settings_dict["NAME"]
    if connection.vendor == "sqlite":
        return f"sqlite:///{name}"
    return urlparse(settings.DATABASE_URL)._replace(path=f"/{name}").geturl()


@pytest.mark.django_db
def test_the_admin_never_puts_a_new_key_in_a_cookie(client, organization, site):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    form = {"organization": organization.pk, "name": "crm", "scopes": ["consent:read"], "sites": [site.pk]}
    added = client.post("/admin/api/apikey/add/", form)
    assert "messages" not in added.cookies
    page = client.get(added["Location"])
    [message] = [str(m) for m in page.context["messages"] if "not be shown again" in str(m)]
    key = message.rsplit(" ", 1)[1]
    assert key not in " ".join(morsel.value for morsel in added.cookies.values())
    assert key not in client.get(added["Location"]).content.decode()
