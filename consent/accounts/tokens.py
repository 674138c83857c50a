"""Identity tokens: a customer's backend vouches for its user id with the site's identity secret.

token = "<expiry in unix seconds>.<hex HMAC-SHA256(identity_secret, "<use>\\n<site key>\\n<user id>\\n<expiry>")>"

`use` is "identify" for the banner's `assent.identify()` and "signin" for a link into the hosted
account pages, so a token handed to page JavaScript can never open the account pages.
"""

import hashlib
import hmac
import re
import time

# A token valid for years is a password in a page's source; refuse anything that lives longer.
MAX_LIFETIME_SECONDS = 7 * 24 * 3600
USES = frozenset({"identify", "signin"})
_TOKEN = re.compile(r"^(?P<expiry>[0-9]{1,12})\.(?P<mac>[0-9a-f]{64})$")


class IdentityTokenInvalid(Exception):
    """A token is malformed, forged, expired or too long-lived; the message says which (never the secret)."""


def token_mac(*, secret: str, use: str, site_key: str, user_id: str, expiry: int) -> str:
    """Return the hex MAC that makes a token for one use, site, user and expiry."""
    if use not in USES:
        raise ValueError(f"unknown token use {use!r}")
    message = f"{use}\n{site_key}\n{user_id}\n{expiry}".encode()
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def token_make(*, secret: str, use: str, site_key: str, user_id: str, lifetime: int = 3600) -> str:
    """Return a token valid for `lifetime` seconds (what the customer's backend does; used by tests and demos)."""
    expiry = int(time.time()) + lifetime
    return f"{expiry}.{token_mac(secret=secret, use=use, site_key=site_key, user_id=user_id, expiry=expiry)}"


def token_verify(*, secret: str, use: str, site_key: str, user_id: str, token: str, now: float | None = None) -> int:
    """Return the token's expiry when it vouches for this user on this site now, else raise IdentityTokenInvalid."""
    match = _TOKEN.match(token or "")
    if match is None or not secret:
        raise IdentityTokenInvalid("is not a well-formed token")
    expiry = int(match["expiry"])
    expected = token_mac(secret=secret, use=use, site_key=site_key, user_id=user_id, expiry=expiry)
    # Compare before looking at the expiry, so a forged token learns nothing about timing.
    if not hmac.compare_digest(expected, match["mac"]):
        raise IdentityTokenInvalid("does not match this site and user")
    moment = time.time() if now is None else now
    if expiry <= moment:
        raise IdentityTokenInvalid("has expired")
    if expiry > moment + MAX_LIFETIME_SECONDS:
        raise IdentityTokenInvalid("expires more than 7 days ahead")
    return expiry
