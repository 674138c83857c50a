"""Writes of the API: creating, revoking and touching keys."""

from collections.abc import Iterable
from datetime import datetime, timedelta

from django.db import connection, transaction
from django.utils import timezone

from consent.api import keycache
from consent.api.keys import DISPLAY_LENGTH, key_generate, key_hash
from consent.api.models import ALL_SCOPES, ApiKey
from consent.api.selectors import KIND_ORDER, subject_find
from consent.dsr.services import access_log_record, access_log_row, access_log_select
from consent.models import Organization, Site
from consent.services import ConsentInputError
from ledger import selectors as ledger_selectors
from ledger.projection import StateRow

# last_used_at is a hint for people, not an audit trail: writing it at most once a minute per key
# keeps the hot read path free of writes.
LAST_USED_RESOLUTION = timedelta(seconds=60)


def api_key_create(
    *,
    organization: Organization,
    name: str,
    scopes: Iterable[str] | None = None,
    sites: Iterable[Site] = (),
    expires_at: datetime | None = None,
) -> tuple[ApiKey, str]:
    """Create a key for organization and return it with the key itself, which is never stored."""
    name = name.strip()
    if not name or len(name) > 100:
        raise ConsentInputError("name", "must be 1 to 100 characters")
    chosen = list(dict.fromkeys(scopes)) if scopes is not None else list(ALL_SCOPES)
    unknown = [scope for scope in chosen if scope not in ALL_SCOPES]
    if unknown or not chosen:
        raise ConsentInputError("scopes", f"must be some of {', '.join(ALL_SCOPES)}")
    site_list = list(sites)
    foreign = [site.key for site in site_list if site.organization_id != organization.pk]
    if foreign:
        raise ConsentInputError("sites", f"not sites of {organization.name}: {', '.join(foreign)}")
    if expires_at is not None and expires_at <= timezone.now():
        raise ConsentInputError("expires_at", "must be in the future")
    key = key_generate()
    with transaction.atomic():
        api_key = ApiKey.objects.create(
            organization=organization,
            name=name,
            prefix=key[:DISPLAY_LENGTH],
            key_hash=key_hash(key),
            scopes=chosen,
            expires_at=expires_at,
        )
        api_key.sites.set(site_list)
    return api_key, key


def api_key_revoke(*, api_key: ApiKey) -> ApiKey:
    """Revoke a key from now on; revoking twice keeps the first time."""
    ApiKey.objects.filter(pk=api_key.pk, revoked_at__isnull=True).update(revoked_at=timezone.now())
    keycache.keys_changed()  # every process stops trusting the key at once, not when its memory ages out
    api_key.refresh_from_db(fields=["revoked_at"])
    return api_key


def api_keys_changed() -> None:
    """Announce that keys were edited or deleted some other way (the admin), so no process trusts old rows."""
    keycache.keys_changed()


def api_key_touch(*, api_key: ApiKey, now: datetime) -> None:
    """Record that a key was used, at most once per LAST_USED_RESOLUTION."""
    if api_key.last_used_at is not None and now - api_key.last_used_at < LAST_USED_RESOLUTION:
        return
    ApiKey.objects.filter(pk=api_key.pk).update(last_used_at=now)
    api_key.last_used_at = now


# The subject an id names, as subject_find() ranks the kinds, and its ledger key, or the key of the
# user a device is linked to; the read logged for it; then `found`, which the ledger's state read joins.
_LOOKUP_FOUND = (
    "named AS (SELECT COALESCE(u.ledger_key, s.ledger_key) AS key"
    " FROM consent_subject s LEFT JOIN consent_subject u ON u.id = s.linked_to_id"
    " WHERE s.site_id = %s AND s.external_id = %s AND s.kind IN (%s, %s)"
    " ORDER BY s.kind = %s DESC LIMIT 1),"
    " logged AS ({insert} FROM named),"
    " found AS (SELECT key FROM named)"
)


def subject_state_read(
    *, site: Site, external_id: str, kind: str | None, actor: str, action: str, ip: str | None
) -> tuple[bool, dict[str, StateRow], dict[str, str]]:
    """Find who answers for an id, log the read in the access log, and read its state and jurisdictions.

    Return whether the id names a subject (nothing is logged when it does not), its states by purpose
    and its events' jurisdictions. On PostgreSQL one statement does all three: a lookup is the API's
    hottest read, and each statement costs more CPU than the work it does.
    """
    if connection.vendor != "postgresql":
        decider = subject_find(site=site, external_id=external_id, kind=kind)
        if decider is None:
            return False, {}, {}
        access_log_record(actor=actor, action=action, subject_ref=f"subject:{decider.ledger_key}", site=site, ip=ip)
        states, jurisdictions = ledger_selectors.subject_state_with_jurisdictions(
            site=site.key, subject=decider.pseudonym
        )
        return True, states, jurisdictions
    kinds = [kind, kind] if kind else list(KIND_ORDER)
    site_id, actor, action, _, address, at = access_log_row(actor=actor, action=action, site=site, ip=ip)
    return ledger_selectors.subject_state_joined(
        site=site.key,
        found=_LOOKUP_FOUND.format(insert=access_log_select("'subject:' || key")),
        params=[site.pk, external_id, *kinds, kinds[0], site_id, actor, action, address, at],
    )
