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


def origin_for(site: str) -> str:
    """Return the checkpoint origin line of a new site's log: this server's host, then the site key."""
    host = urlparse(settings.PUBLIC_BASE_URL).netloc or "assent"
    return f"{host}/ledger/{site}"


def log_find(site: str) -> Log | None:
    """Return a site's log, if anything was ever appended to it."""
    # Every append starts here, so this skips the ORM's query building (a third of a plain lookup).
    rows = fetch(_LOG_BY_SITE, [site])
    if not rows:
        return None
    row = rows[0]
    # created_at stays deferred: nothing on the hot path reads it.
    return Log.from_db(
        connection.alias, ["id", "site", "origin", "subject_secret"], [row[0], site, row[1], bytes(row[2])]
    )


def log_get_or_create(site: str) -> Log:
    """Return a site's log, creating it (with a fresh subject secret) on first use."""
    log = log_find(site_check(site))
    if log is not None:
        return log
    try:
        with transaction.atomic():
            return Log.objects.create(
                site=site, origin=origin_for(site), subject_secret=os.urandom(32), created_at=timezone.now()
            )
    except IntegrityError:
        # Another request created it first; theirs is the one.
        return Log.objects.get(site=site)


def key_of(log: Log, subject: str) -> str:
    """Return the hex HMAC-SHA256 of a subject id under its log's secret."""
    return hmac.new(bytes(log.subject_secret), subject.encode(), hashlib.sha256).hexdigest()
