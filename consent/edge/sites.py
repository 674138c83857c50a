"""The site a public write or an API read names, remembered per process and checked against its generation.

Each site has a generation in Redis: a random token, replaced after the commit of any change to the
site, its organization, purposes, banner versions or destinations (`generation_bump`, called by the
receivers below). Admission reads the token in the same round trip as the rate limits
(`ratelimit.write_charge`) and uses the remembered site only when it was loaded under that very
token; otherwise it reads the database and remembers the answer under the token it read *before*
that read. So a copy can only be served if no change committed after it was loaded: a change bumps
the token after its commit, and every later request sees the new token and reads again. The
marketer API reads the same token in the round trip that counts the key's hit
(`consent.api.throttles.key_charge`, which reads the API keys' generation there too) and passes it to
`site_for_read`.

Nothing is remembered when the generation cannot be read (no Redis, or Redis down): then every
request reads the database, as before. A bump that fails (Redis down at that moment) is logged, and
a copy is never served once it is `MAX_AGE` seconds old, whatever the token says.

Whether the site has an active webhook destination is not part of the copy: the write path learns
it inside its own transaction (`consent.services.consent_record`), so a new destination always gets
its outbox row.
"""

import copy
import logging
import secrets
from collections.abc import Iterable
from functools import partial
from typing import Any

from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache
from django.db import transaction
from django.db.models.signals import post_delete, post_save, pre_save

from consent.edge.memory import Remembered
from consent.edge.ratelimit import CACHE_ERRORS, GENERATION_TIMEOUT, redis_client, site_generation_key
from consent.hooks.models import Destination
from consent.hooks.services import ACTIVE_DESTINATIONS
from consent.models import BannerVersion, Organization, Purpose, Site

logger = logging.getLogger(__name__)

# A backstop only: how long a copy may serve if the bump after a change could not reach Redis.
MAX_AGE = 60.0
# Sites a process remembers; past this it forgets them all (a site is one query to read again).
MAX_SITES = 1024

# Sites by key, each under the generation it was loaded under.
_remembered: Remembered[str, Site] = Remembered(max_age=MAX_AGE, capacity=MAX_SITES)


def site_load(key: str, *, destinations: bool = False) -> Site | None:
    """Read the site a public write names, with its organization (and, if asked, whether it has an
    active destination: `has_active_destinations`, for a request that reads it fresh)."""
    sites = Site.objects.select_related("organization")
    if destinations:
        sites = sites.annotate(**ACTIVE_DESTINATIONS)
    return sites.filter(key=key).first()


def site_for_write(key: str, *, generation: str | None) -> Site | None:
    """Return the site named by key (a copy of its own for this request), or None when there is none.

    `generation` is the site's token read before this call; None means "do not trust memory".
    """
    return _site(key, generation=generation, destinations=generation is None)


def site_for_read(key: str, *, generation: str | None) -> Site | None:
    """Return the site an API request names (a copy of its own), from memory while its generation holds.

    `generation` is the site's token read before this call; None means "do not trust memory".
    """
    return _site(key, generation=generation, destinations=False)


def _site(key: str, *, generation: str | None, destinations: bool) -> Site | None:
    if (remembered := _remembered.get(key, generation)) is not None:
        # A copy per request: nothing a request sets on its site is seen by another.
        return copy.copy(remembered)
    site = site_load(key, destinations=destinations)
    if site is None or generation is None:
        _remembered.forget(key)
        return site
    _remembered.keep(key, generation, site)
    return copy.copy(site)


def forget_all() -> None:
    """Forget every remembered site in this process (tests start from a clean process state)."""
    _remembered.forget()


def _bump_now(keys: Iterable[str]) -> None:
    backend = caches["default"]
    if not isinstance(backend, RedisCache):
        return  # nothing is remembered without Redis
    names = [backend.make_and_validate_key(site_generation_key(key)) for key in sorted(set(keys))]
    if not names:
        return
    try:
        pipe = redis_client(backend).pipeline(transaction=False)
        for name in names:
            pipe.set(name, secrets.token_hex(8), ex=GENERATION_TIMEOUT)
        pipe.execute()
    except CACHE_ERRORS:
        logger.warning("could not bump site generations %s; copies expire within %s s", names, MAX_AGE, exc_info=True)


def generation_bump(*keys: str) -> None:
    """Give the sites new generations once the current transaction commits (at once outside one).

    After the commit, never before: a request between a bump and the commit would read the old rows
    and remember them under the new token.
    """
    transaction.on_commit(partial(_bump_now, keys), robust=True)


def _site_keys(site_ids: Iterable[Any]) -> list[str]:
    return list(Site.objects.filter(pk__in=[pk for pk in site_ids if pk is not None]).values_list("key", flat=True))


def _site_changing(sender: type[Site], instance: Site, **kwargs: Any) -> None:
    # A key may be renamed: the old key's copies must go too.
    if instance.pk is not None and not kwargs.get("raw"):
        generation_bump(*_site_keys([instance.pk]))


def _site_changed(sender: type[Site], instance: Site, **kwargs: Any) -> None:
    generation_bump(instance.key)


def _organization_changed(sender: type[Organization], instance: Organization, **kwargs: Any) -> None:
    generation_bump(*Site.objects.filter(organization_id=instance.pk).values_list("key", flat=True))


def _part_changed(sender: type[Any], instance: Any, **kwargs: Any) -> None:
    generation_bump(*_site_keys([instance.site_id]))


def receivers_connect() -> None:
    """Bump a site's generation whenever it, its organization or one of its parts is saved or deleted."""
    pre_save.connect(_site_changing, sender=Site, dispatch_uid="edge-site-changing")
    post_save.connect(_site_changed, sender=Site, dispatch_uid="edge-site-saved")
    post_delete.connect(_site_changed, sender=Site, dispatch_uid="edge-site-deleted")
    for event, name in ((post_save, "saved"), (post_delete, "deleted")):
        event.connect(_organization_changed, sender=Organization, dispatch_uid=f"edge-organization-{name}")
        for model in (Purpose, BannerVersion, Destination):
            event.connect(_part_changed, sender=model, dispatch_uid=f"edge-{model.__name__}-{name}")
