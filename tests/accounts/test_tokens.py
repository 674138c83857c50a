"""Identity tokens: only the site's secret makes them, for one use, one site, one user, for a while."""

import time

import pytest

from consent.accounts.tokens import IdentityTokenInvalid, token_mac, token_make, token_verify

SECRET = "s3cret-of-the-site"


def verify(token: str, **overrides):
    args = {"secret": SECRET, "use": "identify", "site_key": "acme", "user_id": "user-1", "token": token}
    return token_verify(**{**args, **overrides})


def test_it_accepts_a_token_made_with_the_sites_secret():
    token = token_make(secret=SECRET, use="identify", site_key="acme", user_id="user-1")
    assert verify(token) > time.time()


def test_the_documented_three_lines_make_a_valid_token():
    import hashlib
    import hmac

    exp = int(time.time()) + 3600
    mac = hmac.new(SECRET.encode(), f"identify\nacme\nuser-1\n{exp}".encode(), hashlib.sha256).hexdigest()
    assert verify(f"{exp}.{mac}") == exp


@pytest.mark.parametrize(
    ("overrides", "reason"),
    [
        ({"secret": "another-secret"}, "does not match"),
        ({"site_key": "other"}, "does not match"),
        ({"user_id": "user-2"}, "does not match"),
        ({"use": "signin"}, "does not match"),
    ],
)
def test_it_refuses_a_token_for_another_secret_site_user_or_use(overrides, reason):
    token = token_make(secret=SECRET, use="identify", site_key="acme", user_id="user-1")
    with pytest.raises(IdentityTokenInvalid, match=reason):
        verify(token, **overrides)


def test_it_refuses_an_expired_token():
    exp = int(time.time()) - 1
    token = f"{exp}.{token_mac(secret=SECRET, use='identify', site_key='acme', user_id='user-1', expiry=exp)}"
    with pytest.raises(IdentityTokenInvalid, match="expired"):
        verify(token)


def test_it_refuses_a_token_that_would_live_longer_than_a_week():
    token = token_make(secret=SECRET, use="identify", site_key="acme", user_id="user-1", lifetime=8 * 86400)
    with pytest.raises(IdentityTokenInvalid, match="7 days"):
        verify(token)


@pytest.mark.parametrize("token", ["", "abc", "123.xyz", "123." + "0" * 63, "-5." + "0" * 64])
def test_it_refuses_a_malformed_token(token):
    with pytest.raises(IdentityTokenInvalid, match="well-formed"):
        verify(token)


def test_it_refuses_everything_when_the_site_has_no_secret():
    token = token_make(secret="", use="identify", site_key="acme", user_id="user-1")
    with pytest.raises(IdentityTokenInvalid):
        verify(token, secret="")
