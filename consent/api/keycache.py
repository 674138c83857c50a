"""Keys this process has already looked up, trusted only while the shared key generation is unchanged.

Every request presents its key; reading the key row (and the sites it is limited to) each time costs
a database round trip and an ORM query. Instead each process remembers the keys it has read, stamped
with the generation token held in the shared cache when it read them. Any change to any key (revoke,
edit, delete) sets a new token after it commits, so every process stops trusting what it remembers
at once and reads the rows again. A request costs one cache GET instead of a database query.

The token is random rather than a counter: if the cache loses it (a flush, an eviction), the token
set next matches nothing remembered. When the cache cannot be reached, nothing is remembered or
trusted: every request reads the database, as before. Entries also age out after MAX_AGE, so a key
changed by a path that does not announce it (a cascade from deleting its organization) or announced
while the cache was down is read again soon even then.
"""

import logging
import secrets
from dataclasses import dataclass

from django.core.cache import cache, caches
from django.core.cache.backends.redis import RedisCache
from django.db import transaction

from consent.api.models import ApiKey
from consent.edge.memory import Remembered
from consent.edge.ratelimit import CACHE_ERRORS, redis_client

logger = logging.getLogger(__name__)

GENERATION_KEY = "api:keys:generation"
MAX_AGE = 60.0  # seconds
MAX_ENTRIES = 4096


@dataclass(frozen=True)
class VerifiedKey:
    """A key row as read from the database, and the sites it is limited to (empty: every site)."""

    api_key: ApiKey
    site_ids: frozenset[int]


# Key hashes, each under the generation it was read under.
_entries: Remembered[int, VerifiedKey] = Remembered(max_age=MAX_AGE, capacity=MAX_ENTRIES)


def _token_read() -> int | None:
    backend = caches["default"]
    if not isinstance(backend, RedisCache):
        token = cache.get(GENERATION_KEY)
        return token if isinstance(token, int) else None
    raw = redis_client(backend).get(backend.make_and_validate_key(GENERATION_KEY))
    return generation_parse(raw) if raw is not None else None


def generation_parse(raw: str | bytes) -> int | None:
    """Return the token a raw value read from Redis holds, or None when it is none of ours."""
    # An integer is stored unpickled, as plain digits; anything else is no token of ours.
    return int(raw) if raw.isdigit() else None


def generation_current() -> int | None:
    """Return the shared generation token, setting one when there is none; None when the cache is down."""
    try:
        token = _token_read()
        if token is None:
            if not cache.add(GENERATION_KEY, _token_new(), timeout=None) and _token_read() is None:
                cache.set(GENERATION_KEY, _token_new(), timeout=None)  # replace what is not a token
            token = _token_read()
    except CACHE_ERRORS:
        logger.warning("cache unreachable: API keys are read from the database on every request")
        return None
    return token


def _token_new() -> int:
    return secrets.randbits(62)


def remembered(key_hash: str, generation: int | None) -> VerifiedKey | None:
    """Return what this process read for a key hash under this generation, if it is still fresh."""
    return _entries.get(key_hash, generation)


def remember(key_hash: str, generation: int | None, verified: VerifiedKey) -> None:
    """Keep what was read for a key hash under the generation read *before* the database was."""
    _entries.keep(key_hash, generation, verified)


def _generation_bump() -> None:
    try:
        cache.set(GENERATION_KEY, _token_new(), timeout=None)
    except CACHE_ERRORS:
        # Entries remembered elsewhere then live until MAX_AGE; say so loudly.
        logger.error("cache unreachable: could not announce an API key change; other processes see it within %ss",
                     MAX_AGE)  # fmt: skip


def keys_changed() -> None:
    """Tell every process to read keys again: now, and again once the current transaction commits.

    Now, so that nothing remembered before the change is trusted from here on; after the commit too,
    because a process reading the row between the first token and the commit would remember the old
    row under it. Outside a transaction both happen at once.
    """
    _generation_bump()
    transaction.on_commit(_generation_bump)
