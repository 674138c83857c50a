"""Reads of the API: which site a key may see, the subjects it asks about, and daily figures."""

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from django.db.models import Count, Q, Sum
from django.db.models.functions import TruncDate

from consent.api.models import ApiKey
from consent.banner.declaration import vendor_entries
from consent.banner.models import DailyCount
from consent.edge.sites import site_for_read
from consent.models import Purpose, Site, Subject
from ledger.logs import log_find
from ledger.models import Event
from ledger.rows import any_of, fetch


def site_for_key(
    *, api_key: ApiKey, site_key: str, site_ids: frozenset[int] | None = None, generation: str | None = None
) -> Site | None:
    """Return the site when the key's organization owns it and the key is not limited away from it.

    `site_ids` are the sites the key is limited to (empty: none, every site), when the caller has them
    already (authentication reads them with the key); without them they are read here. `generation`
    is the site's token, read before this call (None: the site is read from the database).
    """
    if site_ids is None:
        site_ids = frozenset(
            ApiKey.sites.through.objects.filter(apikey_id=api_key.pk).values_list("site_id", flat=True)
        )
    # From memory while the site's generation holds: renaming, moving or deleting a site is seen at once.
    site = site_for_read(site_key, generation=generation)
    if site is None or site.organization_id != api_key.organization_id or (site_ids and site.pk not in site_ids):
        return None
    return site


# An id asked about without a kind: a user's id first, then a visitor's (the two are separate namespaces).
KIND_ORDER = (Subject.Kind.USER, Subject.Kind.VISITOR)


def subject_match(*, site: Site, external_id: str, kind: str | None = None) -> Subject | None:
    """Return the subject an id of a kind names on site (kind None: a user's, else a visitor's)."""
    rows = Subject.objects.select_related("linked_to").filter(
        site=site, external_id=external_id, kind__in=[kind] if kind else KIND_ORDER
    )
    found = sorted(rows, key=lambda subject: KIND_ORDER.index(Subject.Kind(subject.kind)))
    return found[0] if found else None


@dataclass(frozen=True)
class Decider:
    """The subject whose state answers for an id: its pseudonym (the ledger's name) and its ledger key."""

    pseudonym: str
    ledger_key: str


# The subjects an id names (one per kind at most) and, for a device linked to a user, the user.
_DECIDERS = (
    "SELECT s.kind, s.pseudonym, s.ledger_key, u.pseudonym, u.ledger_key"
    " FROM consent_subject s LEFT JOIN consent_subject u ON u.id = s.linked_to_id"
    " WHERE s.site_id = %s AND s.external_id = %s AND s.kind IN (%s, %s)"
)


def subject_find(*, site: Site, external_id: str, kind: str | None = None) -> Decider | None:
    """Return who answers for an id: the subject subject_match() finds, or the user a device is linked to.

    Raw SQL of a fixed shape: every lookup runs it, and the ORM would compile it and build models each time.
    """
    kinds = [kind, kind] if kind else KIND_ORDER
    rows = fetch(_DECIDERS, [site.pk, external_id, *kinds], prepared=True)
    if not rows:
        return None
    _, pseudonym, ledger_key, user_pseudonym, user_ledger_key = min(
        rows, key=lambda row: KIND_ORDER.index(Subject.Kind(row[0]))
    )
    if user_pseudonym is not None:
        return Decider(user_pseudonym, user_ledger_key)
    return Decider(pseudonym, ledger_key)


def pseudonyms_by_external_id(*, site: Site, external_ids: list[str], kind: str | None = None) -> dict[str, str]:
    """Map the customer's ids to the pseudonyms they are decided under, the way subject_find resolves each."""
    # No join to the linked user here: with one, PostgreSQL scans every subject of the table for a
    # thousand ids instead of probing the (site, kind, external_id) index; the few linked users are
    # read by id afterwards. Raw SQL: the ORM's IN list of a thousand ids costs more than the query.
    if not external_ids:
        return {}
    ids, id_params = any_of("external_id", external_ids)
    kinds, kind_params = any_of("kind", [kind] if kind else KIND_ORDER)
    rows = fetch(
        "SELECT external_id, kind, pseudonym, linked_to_id FROM consent_subject"  # noqa: S608 (names only)
        f" WHERE site_id = %s AND {ids} AND {kinds}",
        [site.pk, *id_params, *kind_params],
        prepared=True,
    )
    linked_ids = {linked for *_, linked in rows if linked is not None}
    linked = dict(Subject.objects.filter(id__in=linked_ids).values_list("id", "pseudonym")) if linked_ids else {}
    found: dict[str, tuple[int, str]] = {}
    for external_id, subject_kind, pseudonym, linked_id in rows:
        rank = KIND_ORDER.index(Subject.Kind(subject_kind))
        if external_id not in found or rank < found[external_id][0]:
            found[external_id] = (rank, linked[linked_id] if linked_id is not None else pseudonym)
    return {external_id: pseudonym for external_id, (_, pseudonym) in found.items()}


def external_ids_by_ledger_key(*, site: Site, ledger_keys: list[str]) -> dict[str, str]:
    """Map the ledger's subject keys back to the ids the customer knows (erased subjects drop out)."""
    rows = Subject.objects.filter(site=site, ledger_key__in=ledger_keys).values_list("ledger_key", "external_id")
    return dict(rows)


@dataclass(frozen=True)
class DecidingSubject:
    """The id the customer knows a deciding subject by, and its namespace."""

    external_id: str
    kind: str


def deciding_subjects_by_ledger_key(*, site: Site, ledger_keys: list[str]) -> dict[str, DecidingSubject]:
    """Map ledger keys to the subjects whose own state counts: linked devices drop out (their user decides)."""
    if not ledger_keys:
        return {}
    # Raw rows, not model instances nor the ORM's IN list: an audience page asks for thousands at once.
    keys, key_params = any_of("ledger_key", ledger_keys)
    rows = fetch(
        "SELECT ledger_key, external_id, kind FROM consent_subject"  # noqa: S608 (names only)
        f" WHERE site_id = %s AND {keys} AND linked_to_id IS NULL",
        [site.pk, *key_params],
        prepared=True,
    )
    return {key: DecidingSubject(external_id, kind) for key, external_id, kind in rows}


@dataclass(frozen=True)
class DayOfPurpose:
    """What happened to one purpose on one day: how choices were made and how many granted it."""

    day: date
    purpose: str
    accept_all: int
    reject_all: int
    custom: int
    choices: int
    granted: int


ID_MARGIN = timedelta(minutes=1)


def _uuid7_floor(moment: datetime) -> uuid.UUID:
    """Return the smallest UUIDv7 of a moment's millisecond."""
    return uuid.UUID(int=int(moment.timestamp() * 1000) << 80)


def banner_shown_by_day(*, site: Site, start: date, end: date) -> dict[date, int]:
    """Return how often the banner was shown per day (every version and locale together)."""
    rows = (
        DailyCount.objects.filter(site=site, day__gte=start, day__lte=end)
        .values("day")
        .annotate(shown=Sum("shown"))
        .values_list("day", "shown")
    )
    return dict(rows)


def purpose_choices_by_day(*, site: Site, start: date, end: date) -> list[DayOfPurpose]:
    """Return per day and purpose how choices were made (accept all, reject all, custom) and granted.

    Reads the ledger's events (never writes them); the ledger has no aggregate of its own for this.
    """
    log = log_find(site.key)
    if log is None:
        return []
    first = datetime.combine(start, time.min, tzinfo=UTC)
    after_last = datetime.combine(end + timedelta(days=1), time.min, tzinfo=UTC)
    # Event ids are UUIDv7 made from the recording clock: bounding them lets the primary key's index
    # find the range (nothing else indexes recorded_at); the margin covers ids counted past a clock step.
    ids = (_uuid7_floor(first - ID_MARGIN), _uuid7_floor(after_last + ID_MARGIN))
    rows = (
        Event.objects.filter(id__gte=ids[0], id__lt=ids[1], log=log)
        .filter(recorded_at__gte=first, recorded_at__lt=after_last)
        .annotate(day=TruncDate("recorded_at", tzinfo=UTC))
        .values("day", "purpose")
        .annotate(
            accept_all=Count("id", filter=Q(method="accept_all")),
            reject_all=Count("id", filter=Q(method="reject_all")),
            custom=Count("id", filter=Q(method="custom")),
            choices=Count("id"),
            granted=Count("id", filter=Q(granted=True)),
        )
        .order_by("day", "purpose")
    )
    return [DayOfPurpose(**row) for row in rows]


def pseudonyms_by_ledger_key(*, site: Site, ledger_keys: list[str]) -> dict[str, str]:
    """Map ledger keys to their subjects' pseudonyms (what the ledger's state selectors take)."""
    rows = Subject.objects.filter(site=site, ledger_key__in=ledger_keys).values_list("ledger_key", "pseudonym")
    return dict(rows)


def decision_keys(*, site: Site) -> set[str]:
    """Return what may be asked about: every purpose slug and each per-vendor purpose's `purpose:vendor` keys."""
    keys: set[str] = set()
    for slug, per_vendor, vendors in Purpose.objects.filter(site=site).values_list("slug", "per_vendor", "vendors"):
        keys.add(slug)
        if per_vendor:
            keys.update(f"{slug}:{entry['slug']}" for entry in vendor_entries(vendors))
    return keys
