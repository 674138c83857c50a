"""Finding and creating a site's log, and the keyed hash that stands for a subject in it."""

import hashlib
import hmac
import os
from urllib.parse import urlparse

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from ledger.choices import site_check
from ledger.models import Log
from ledger.rows import fetch

_LOG_BY_SITE = "SELECT id, origin, subject_secret FROM ledger_log WHERE site = %s"
# A log row never changes or goes away once committed, so each process keeps the ones it has seen
# and the hot path reads none. Only committed rows: a SELECT sees no other transaction's uncommitted
# rows, so the one row it may see uncommitted is a log this very transaction created (and may still
# roll back). Each creation notes the outermost atomic block it ran in for that check.
_committed: dict[str, Log] = {}
_created_in: dict[str, object] = {}


def log_cache_clear() -> None:
    """Forget every remembered log (after the database was emptied: tests, flush)."""
    _committed.clear()
    _created_in.clear()


def _transaction() -> object | None:
    return connection.atomic_blocks[0] if connection.atomic_blocks else None


def origin_for(site: str) -> str:
    """Return the checkpoint origin line of a new site's log: this server's host, then the site key."""
    host = urlparse(settings.PUBLIC_BASE_URL).netloc or "assent"
    return f"{host}/ledger/{site}"


def log_find(site: str) -> Log | None:
    """Return a site's log, if anything was ever appended to it."""
    if (cached := _committed.get(site)) is not None:
        return cached
    # Every append starts here, so this skips the ORM's query building (a third of a plain lookup).
    rows = fetch(_LOG_BY_SITE, [site])
    if not rows:
        return None
    row = rows[0]
    # created_at stays deferred: nothing on the hot path reads it.
    log = Log.from_db(
        connection.alias, ["id", "site", "origin", "subject_secret"], [row[0], site, row[1], bytes(row[2])]
    )
    if site not in _created_in or _created_in[site] is not _transaction():
        _committed[site] = log
    return log


def log_get_or_create(site: str) -> Log:
    """Return a site's log, creating it (with a fresh subject secret) on first use."""
    log = log_find(site_check(site))
    if log is not None:
        return log
    try:
        with transaction.atomic():
            log = Log.objects.create(
                site=site, origin=origin_for(site), subject_secret=os.urandom(32), created_at=timezone.now()
            )
            _created_in[site] = _transaction()
    except IntegrityError:
        # Another request created it first; theirs is the one.
        return Log.objects.get(site=site)
    if not connection.in_atomic_block:  # the block above was the transaction, and it committed
        _committed[site] = log
    return log


def key_of(log: Log, subject: str) -> str:
    """Return the hex HMAC-SHA256 of a subject id under its log's secret."""
    return hmac.new(bytes(log.subject_secret), subject.encode(), hashlib.sha256).hexdigest()
