"""Writes of the banner: a visitor's choice (through consent_record) and the daily counters."""

import ipaddress
import re
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from django.db import connection
from django.utils import timezone

from consent.banner.models import DailyCount
from consent.models import Site, Subject
from consent.regions.rules import choice_terms
from consent.services import ConsentInputError, consent_record
from ledger.services import Receipt

VISITOR_ID = re.compile(Subject.VISITOR_ID_PATTERN)
# What the banner and its embedded preference centre send; gpc only with the browser's signal.
PUBLIC_SOURCES = frozenset({"banner", "preference_centre", "gpc"})
PUBLIC_METHODS = frozenset({"accept_all", "reject_all", "custom", "withdraw_all", "gpc", "default"})
# What each method counts as in the daily counters.
METHOD_COUNTERS = {"accept_all": "accept_all", "reject_all": "reject_all", "custom": "custom"}


def ip_truncate(address: str) -> str:
    """Return the address with its host part zeroed: IPv4 to /24, IPv6 to /48; "" when unparsable."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return ""
    prefix = 24 if ip.version == 4 else 48
    return str(ipaddress.ip_network(f"{ip}/{prefix}", strict=False).network_address)


def choice_submit(
    *,
    site: Site,
    subject: str,
    choices: Mapping[str, bool],
    banner_version: str,
    method: str,
    locale: str,
    source: str,
    evidence: Mapping[str, Any],
    idempotency_key: str | None = None,
    occurred_at: datetime | None = None,
    regulation: str = "",
    gpc_signal: bool = False,
) -> tuple[Subject, Receipt]:
    """Record a choice sent by the banner, then count it for the operator's daily figures.

    The regulation it was made under is recorded as the events' jurisdiction; the version's hash
    proves that regulation's terms, and the region it was chosen from is in the evidence.
    """
    # The public endpoint speaks for visitors only, by the id the banner makes: a customer's user id
    # is no secret, so a choice on a user comes through identify (a signed token), the account pages
    # or the API. consent_record files it under the visitor namespace, inside its transaction.
    if not VISITOR_ID.match(subject):
        raise ConsentInputError("subject", "must be the banner's visitor id (32 hex digits)")
    # Anyone can post here: it may claim only what the banner itself can say.
    if source not in PUBLIC_SOURCES:
        raise ConsentInputError("source", f"must be one of {', '.join(sorted(PUBLIC_SOURCES))}")
    if method not in PUBLIC_METHODS:
        raise ConsentInputError("method", f"must be one of {', '.join(sorted(PUBLIC_METHODS))}")
    if "gpc" in {source, method} and not gpc_signal:
        field = "source" if source == "gpc" else "method"
        raise ConsentInputError(field, "gpc needs the browser's Sec-GPC: 1 header")
    jurisdiction, kind = choice_terms(
        site=site, banner_version=banner_version, regulation=regulation, method=method, choices=choices
    )
    recorded = consent_record(
        site=site,
        external_id=subject,
        choices=choices,
        source=source,
        method=method,
        locale=locale,
        banner_version=banner_version,
        occurred_at=occurred_at,
        idempotency_key=idempotency_key,
        channel="public",
        evidence=evidence,
        jurisdiction=jurisdiction,
        kind=kind,
        subject_kind=Subject.Kind.VISITOR,
    )
    if not recorded[1].replayed:
        # Outside the ledger's transaction: a counter must never hold up or undo a recorded choice.
        daily_count_add(
            site=site,
            banner_version=banner_version,
            locale=locale,
            counter=METHOD_COUNTERS.get(method, "other"),
        )
    return recorded


def daily_count_add(*, site: Site, banner_version: str, locale: str, counter: str) -> None:
    """Add one to today's counter for a site, version and locale."""
    if counter not in COUNTERS:
        raise ValueError(f"unknown counter {counter!r}")
    # One statement whether or not today's row exists yet (first of the day: the row with a 1).
    day = DailyCount._meta.get_field("day").get_db_prep_value(timezone.now().date(), connection)
    ones = [int(column == counter) for column in COUNTERS]
    sql = _COUNT_ADD[counter]
    if connection.vendor == "postgresql" and not connection.in_atomic_block:
        # A figure, not a record: its commit need not wait for the disk (a crash of the database may
        # lose the last fraction of a second of counts, never a choice, which committed before).
        # SET LOCAL in the same message holds for this statement's implicit transaction only.
        sql = f"SET LOCAL synchronous_commit TO OFF; {sql}"
    with connection.cursor() as cursor:
        cursor.execute(sql, [site.pk, day, banner_version, locale, *ones])


COUNTERS = ("shown", "accept_all", "reject_all", "custom", "other")
# One statement text per counter; only these fixed column names are formatted in, every value is a parameter.
_COUNT_ADD = {
    column: (
        f"INSERT INTO banner_dailycount (site_id, day, banner_version, locale, {', '.join(COUNTERS)})"  # noqa: S608
        " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s) ON CONFLICT (site_id, day, banner_version, locale)"
        f" DO UPDATE SET {column} = banner_dailycount.{column} + 1"
    )
    for column in COUNTERS
}
