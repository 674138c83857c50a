"""`Authorization: Bearer <api key>`: who is asking, for which organization."""

from typing import Any

from django.utils import timezone
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.request import Request

from consent.api import keycache
from consent.api.keys import key_hash, key_is_well_formed
from consent.api.models import ApiKey
from consent.api.services import api_key_touch
from consent.api.throttles import key_charge


class KeyUser:
    """The request's user: an API key acting for its organization (never a person)."""

    is_authenticated = True
    is_anonymous = False

    def __init__(self, api_key: ApiKey, site_ids: frozenset[int] = frozenset()) -> None:
        self.api_key = api_key
        self.pk = f"key:{api_key.pk}"
        # The sites the key is limited to; empty means every site of its organization.
        self.site_ids = site_ids

    def __str__(self) -> str:
        return str(self.api_key)


def key_verified(hashed: str, generation: int | None) -> keycache.VerifiedKey | None:
    """Return the key row stored under a hash with the sites it is limited to (remembered while unchanged).

    `generation` is the keys' generation, read before this call: a change committed after that read
    is never hidden.
    """
    verified = keycache.remembered(hashed, generation)
    if verified is not None:
        return verified
    api_key = ApiKey.objects.select_related("organization").filter(key_hash=hashed).first()
    if api_key is None:
        return None
    verified = keycache.VerifiedKey(api_key, frozenset(api_key.sites.values_list("id", flat=True)))
    keycache.remember(hashed, generation, verified)
    return verified


class ApiKeyAuthentication(BaseAuthentication):
    """Accept a well-formed, known, unrevoked, unexpired key; anything else is a 401."""

    keyword = b"bearer"

    def authenticate(self, request: Request) -> tuple[Any, Any] | None:
        parts = get_authorization_header(request).split()
        if not parts:
            raise exceptions.NotAuthenticated("Send your API key as `Authorization: Bearer <key>`.")
        if parts[0].lower() != self.keyword or len(parts) != 2:
            raise exceptions.AuthenticationFailed("Use the Bearer scheme: `Authorization: Bearer <key>`.")
        try:
            key = parts[1].decode("ascii")
        except UnicodeDecodeError:
            raise exceptions.AuthenticationFailed("The API key is not valid.") from None
        if not key_is_well_formed(key):
            raise exceptions.AuthenticationFailed("The API key is not valid.")
        hashed = key_hash(key)
        # Counted before the key is looked up: the same round trip reads the keys' generation.
        charge = request.key_charge = key_charge(request, hashed)  # type: ignore[attr-defined]
        verified = key_verified(hashed, charge.key_generation)
        now = timezone.now()
        if verified is None:
            raise exceptions.AuthenticationFailed("The API key is not valid.")
        api_key = verified.api_key
        if api_key.revoked_at is not None:
            raise exceptions.AuthenticationFailed("The API key has been revoked.")
        if api_key.expires_at is not None and api_key.expires_at <= now:
            raise exceptions.AuthenticationFailed("The API key has expired.")
        api_key_touch(api_key=api_key, now=now)
        return KeyUser(api_key, verified.site_ids), api_key

    def authenticate_header(self, request: Request) -> str:
        return 'Bearer realm="api"'
