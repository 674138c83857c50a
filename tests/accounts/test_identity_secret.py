"""identity_secret_rotate: a new secret, printed once, and tokens of the old one refused."""

import io

import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from tests.accounts.conftest import identify_token, vid

pytestmark = pytest.mark.django_db


def test_it_prints_a_new_secret_on_the_last_line_and_old_tokens_stop_working(site):
    old_token = identify_token(site, "user-1")
    out = io.StringIO()

    call_command("identity_secret_rotate", site.key, stdout=out)

    site.refresh_from_db()
    assert out.getvalue().splitlines()[-1] == site.identity_secret
    post = {"subject": vid("visitor-a"), "user": "user-1"}
    url = f"/api/v1/public/sites/{site.key}/identify"
    assert Client().post(url, {**post, "token": old_token}, content_type="application/json").status_code == 403
    new_token = identify_token(site, "user-1")
    assert Client().post(url, {**post, "token": new_token}, content_type="application/json").status_code == 200


def test_it_fails_with_one_line_for_an_unknown_site(db):
    with pytest.raises(CommandError, match="no such site"):
        call_command("identity_secret_rotate", "nope")
