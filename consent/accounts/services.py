"""Writes of account settings: linking a visitor to a user, choices from the account page, erasure."""

import secrets
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from importlib import import_module
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from consent.accounts.models import Erasure, LinkSession
from consent.accounts.tokens import token_verify
from consent.hooks import services as hooks_services
from consent.models import BannerVersion, Purpose, Site, Subject
from consent.services import ConsentInputError, consent_record, subject_get_or_create, version_terms
from ledger import selectors as ledger_selectors
from ledger import services as ledger_services
from ledger.selectors import EventRow
from ledger.services import Receipt

# Decisions made by the system rather than the person never win a merge.
NOT_CHOICES = frozenset({"expired", "erased"})


def _decided_at(event: EventRow) -> datetime:
    """Return when the person made a decision: a copy merged at sign-in keeps the time of the one it copies."""
    return event.occurred_at if event.method == "identify" else event.recorded_at


@dataclass(frozen=True)
class _Merge:
    source: str
    banner_version: str
    locale: str
    decided_at: datetime


def _merge_decisions(*, site: Site, visitor: Subject, user: Subject) -> dict[_Merge, dict[str, EventRow]]:
    """Return the visitor's decisions that are newer than the user's and differ, as {purpose: event}.

    Newer means decided later, by the server's clock: an event's recorded_at, or for a decision merged
    at an earlier sign-in, the recorded_at of the decision it copied. They are grouped by the source,
    banner version, locale and time of the event that made them, so the merged record keeps them.
    """
    # Vendors' decisions within per-vendor purposes (`analytics:ga`) follow the visitor too.
    known = set(version_terms(site=site, banner_version="").decision_keys())
    theirs = ledger_selectors.subject_state(site=site.key, subject=visitor.pseudonym)
    ours = ledger_selectors.subject_state(site=site.key, subject=user.pseudonym)
    their_events = {e.id: e for e in ledger_selectors.subject_events(site=site.key, subject=visitor.pseudonym)}
    our_events = (
        {e.id: e for e in ledger_selectors.subject_events(site=site.key, subject=user.pseudonym)} if ours else {}
    )
    merged: dict[_Merge, dict[str, EventRow]] = defaultdict(dict)
    now = timezone.now()
    for purpose, row in theirs.items():
        event = their_events[row.event_id]
        if purpose not in known or row.kind in NOT_CHOICES:
            continue
        if row.granted and not ledger_selectors.granted_now(granted=True, expires_at=row.expires_at, now=now):
            continue  # a lapsed grant is no grant to carry over (it would start a new lifetime)
        current = ours.get(purpose)
        if current is not None and (
            current.granted == row.granted or _decided_at(our_events[current.event_id]) >= _decided_at(event)
        ):
            continue
        merged[_Merge(event.source, event.banner_version, event.locale, _decided_at(event))][purpose] = event
    return merged


def subject_identify(*, site: Site, visitor_id: str, user_id: str, token: str) -> Subject:
    """Link a visitor to the customer's user the token vouches for, merging the visitor's newer choices.

    Merge rule: per purpose, the decision made last wins. A visitor's decision that is newer than the
    user's (or that the user never made) is recorded on the user with method "identify" and the
    original's time as occurred_at; nothing is written where the user's state already says the same.
    A device already linked to another user (a shared computer) is moved to the new user without
    carrying choices over: its choices belonged to the first user.
    """
    token_verify(secret=site.identity_secret, use="identify", site_key=site.key, user_id=user_id, token=token)
    with transaction.atomic():
        # Visitors and users are separate namespaces: no visitor can have taken this user's id.
        user = subject_get_or_create(site=site, external_id=user_id, kind=Subject.Kind.USER)
        # Serializes two devices of one user identifying at once: each merges on top of the other.
        user = Subject.objects.select_for_update().get(pk=user.pk)
        visitor = subject_get_or_create(site=site, external_id=visitor_id, kind=Subject.Kind.VISITOR)
        visitor = Subject.objects.select_for_update().get(pk=visitor.pk)
        if visitor.linked_to_id == user.pk:
            return user
        if visitor.linked_to_id is None:
            for merge, events in _merge_decisions(site=site, visitor=visitor, user=user).items():
                consent_record(
                    site=site,
                    external_id=user.external_id,
                    subject_kind=Subject.Kind.USER,
                    choices={purpose: event.granted for purpose, event in events.items()},
                    source=merge.source,
                    method="identify",
                    banner_version=merge.banner_version,
                    locale=merge.locale,
                    occurred_at=merge.decided_at,
                    # Which of the device's provable events each merged decision copies.
                    evidence={"merged_from_events": {purpose: event.id for purpose, event in events.items()}},
                )
        Subject.objects.filter(pk=visitor.pk).update(linked_to=user)
    return user


def account_choice_set(
    *, site: Site, external_id: str, choices: Mapping[str, bool], locale: str, evidence: Mapping[str, Any]
) -> Receipt:
    """Record choices made on the hosted account page, under the banner version whose texts it showed."""
    version = BannerVersion.objects.filter(site=site).order_by("-number").first()
    if version is None:
        raise ConsentInputError("site", "has no published banner")
    if locale not in version.content["locales"]:
        locale = version.content["default_locale"]
    optional = {p["slug"] for p in version.content["purposes"] if not p["required"]}
    wanted = {slug: granted for slug, granted in choices.items() if slug in optional}
    if not wanted:
        raise ConsentInputError("choices", "must name at least one purpose that can be changed")
    _, receipt = consent_record(
        site=site,
        external_id=external_id,
        subject_kind=Subject.Kind.USER,
        choices=wanted,
        source="account_settings",
        method="withdraw_all" if len(wanted) > 1 and not any(wanted.values()) else "custom",
        locale=locale,
        banner_version=version.content_hash,
        evidence=evidence,
    )
    return receipt


def _erased_append(*, site: Site, subject: Subject, source: str, everything: bool) -> Receipt | None:
    """Append the `erased` event of one subject (every purpose it decided; with `everything`, at least the site's)."""
    decided = ledger_selectors.subject_state(site=site.key, subject=subject.pseudonym)
    known = set(Purpose.objects.filter(site=site).values_list("slug", flat=True)) | set(decided)
    purposes = set(decided) or (known if everything else set())
    if not purposes:
        return None
    return ledger_services.event_append(
        site=site.key,
        subject=subject.pseudonym,
        decisions=dict.fromkeys(sorted(purposes), False),
        kind="erased",
        source=source,
        method="erasure",
        banner_version="",
        locale="",
        known_purposes=known,
    )


def link_session_remember(*, site: Site, external_id: str, session_key: str, seconds: int) -> LinkSession:
    """Remember which session a signed link opened for whom, forgetting sessions that have ended."""
    now = timezone.now()
    with transaction.atomic():
        LinkSession.objects.filter(expires_at__lt=now).delete()
        return LinkSession.objects.create(
            site=site, external_id=external_id, session_key=session_key, expires_at=now + timedelta(seconds=seconds)
        )


def link_sessions_end(*, site: Site, external_id: str) -> int:
    """End every signed-link session of a customer user on a site; return how many."""
    store = import_module(settings.SESSION_ENGINE).SessionStore
    rows = LinkSession.objects.filter(site=site, external_id=external_id)
    keys = list(rows.values_list("session_key", flat=True))
    for key in keys:
        store(session_key=key).delete()
    rows.delete()
    return len(keys)


ERASURE_SOURCES = frozenset({"account_settings", "api", "operator", "system"})


def subject_erase(*, site: Site, external_id: str, source: str, kind: str = Subject.Kind.USER) -> Erasure | None:
    """Erase a subject (a user with every linked device, or a lone visitor); return the record, None if unknown.

    The ledger gets an `erased` event (the pseudonymous proof that stays), the personal evidence,
    the Subject rows and the person's signed-link sessions go, so neither the real id nor a device
    id leads to the ledger's rows any more.
    """
    if source not in ERASURE_SOURCES:
        raise ConsentInputError("source", f"must be one of {', '.join(sorted(ERASURE_SOURCES))}")
    with transaction.atomic():
        found = Subject.objects.select_for_update().filter(site=site, kind=kind, external_id=external_id).first()
        if found is None:
            return None
        subject = Subject.objects.get(pk=found.linked_to_id) if found.linked_to_id else found
        devices = list(Subject.objects.filter(linked_to=subject))
        receipt = _erased_append(site=site, subject=subject, source=source, everything=True)
        for device in devices:
            _erased_append(site=site, subject=device, source=source, everything=False)
        if receipt is not None:
            # Queued before the rows go: the delivery carries the id the customer must erase downstream.
            hooks_services.deliveries_create(site=site, subject=subject, receipt=receipt, event_type="subject.erased")
        # Every other message about them (the erasure one is redacted once delivered) forgets them now.
        hooks_services.deliveries_forget(site=site, external_ids=[s.external_id for s in [subject, *devices]])
        evidence_rows = sum(
            ledger_services.evidence_erase(site=site.key, subject=s.pseudonym) for s in [subject, *devices]
        )
        if subject.kind == Subject.Kind.USER:
            link_sessions_end(site=site, external_id=subject.external_id)
        Subject.objects.filter(pk__in=[s.pk for s in devices]).delete()
        Subject.objects.filter(pk=subject.pk).delete()
        now = timezone.now()
        return Erasure.objects.create(
            site=site,
            receipt_id=receipt.id if receipt is not None else None,
            source=source,
            subjects=1 + len(devices),
            evidence_rows=evidence_rows,
            erased_at=now,
            retain_until=now + timedelta(days=site.erasure_retention_days),
        )


def identity_secret_rotate(*, site: Site) -> str:
    """Give a site a new identity secret and return it (the only time it is shown); old tokens stop working."""
    secret = secrets.token_urlsafe(32)
    Site.objects.filter(pk=site.pk).update(identity_secret=secret)
    site.identity_secret = secret
    return secret
