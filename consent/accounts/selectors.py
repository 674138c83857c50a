"""Reads of account settings: whose subjects a person has, their state, history, receipts and export."""

from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import urlparse

from django.utils import timezone

from consent.accounts.models import AccountBinding
from consent.hooks.models import Delivery
from consent.models import BannerVersion, Site, Subject
from ledger import selectors as ledger_selectors
from ledger.errors import ProofUnavailable
from ledger.models import Evidence
from ledger.selectors import EventRow

RECEIPT_SCHEMA = "ISO/IEC TS 27560:2023 consent record (Assent profile 1)"
# Who made a decision, in the words of ISO/IEC TS 27560's "event by".
SYSTEM_KINDS = frozenset({"expired", "erased"})


def subject_resolve(*, site: Site, external_id: str, kind: str) -> Subject | None:
    """Return the subject an id of one kind names on a site, following a device's link to its user."""
    subject = Subject.objects.select_related("linked_to").filter(site=site, kind=kind, external_id=external_id).first()
    if subject is not None and subject.linked_to is not None:
        return subject.linked_to
    return subject


def user_subject(*, site: Site, external_id: str) -> Subject | None:
    """Return the user subject a customer's user id has on a site (None until they decide something)."""
    return Subject.objects.filter(site=site, kind=Subject.Kind.USER, external_id=external_id).first()


def account_bindings(*, user: Any) -> list[tuple[Site, str]]:
    """Return the (site, customer user id) pairs a login of this server was bound to, by site key."""
    rows = AccountBinding.objects.select_related("site", "site__organization").filter(user=user)
    return [(row.site, row.external_id) for row in rows.order_by("site__key")]


def _family(subject: Subject) -> list[Subject]:
    """Return a subject and the devices linked to it (whose events are part of its history)."""
    return [subject, *Subject.objects.filter(linked_to=subject).order_by("created_at")]


def _events(site: Site, subjects: list[Subject]) -> list[tuple[Subject, EventRow]]:
    """Return the events of several subjects, newest first."""
    rows = [(s, e) for s in subjects for e in ledger_selectors.subject_events(site=site.key, subject=s.pseudonym)]
    rows.sort(key=lambda pair: pair[1].id, reverse=True)
    return rows


def _versions(site: Site, hashes: set[str]) -> dict[str, BannerVersion]:
    return {v.content_hash: v for v in BannerVersion.objects.filter(site=site, content_hash__in=hashes - {""})}


def notice_text(version: BannerVersion | None, locale: str) -> dict[str, Any] | None:
    """Return the words a banner version showed in a locale (its default locale when it had no such one)."""
    if version is None:
        return None
    texts = version.content["texts"]
    words = texts.get(locale) or texts[version.content["default_locale"]]
    return {
        "number": version.number,
        "hash": version.content_hash,
        "title": words["title"],
        "body": words["body"],
        "purposes": {slug: dict(p) for slug, p in words["purposes"].items()},
    }


@dataclass
class HistoryEntry:
    """One choice as the person made it: a receipt and its decisions, with the notice shown then."""

    receipt_id: str
    recorded_at: datetime
    occurred_at: datetime
    source: str
    method: str
    locale: str
    device: str
    banner_version: str
    jurisdiction: str
    decisions: dict[str, bool] = field(default_factory=dict)
    kinds: dict[str, str] = field(default_factory=dict)
    event_ids: list[str] = field(default_factory=list)
    notice: dict[str, Any] | None = None


def subject_history(*, site: Site, subject: Subject) -> list[HistoryEntry]:
    """Return every choice recorded for a subject and its devices, newest first, one entry per receipt."""
    entries: OrderedDict[str, HistoryEntry] = OrderedDict()
    for owner, event in _events(site, _family(subject)):
        entry = entries.get(event.receipt_id)
        if entry is None:
            entry = entries[event.receipt_id] = HistoryEntry(
                receipt_id=event.receipt_id,
                recorded_at=event.recorded_at,
                occurred_at=event.occurred_at,
                source=event.source,
                method=event.method,
                locale=event.locale,
                device="account" if owner.pk == subject.pk else "device",
                banner_version=event.banner_version,
                jurisdiction=event.jurisdiction,
            )
        entry.decisions[event.purpose] = event.granted
        entry.kinds[event.purpose] = event.kind
        entry.event_ids.append(event.id)
    versions = _versions(site, {e.banner_version for e in entries.values()})
    for entry in entries.values():
        entry.notice = notice_text(versions.get(entry.banner_version), entry.locale)
    return list(entries.values())


def subject_state(*, site: Site, subject: Subject) -> dict[str, dict[str, Any]]:
    """Return a subject's current decision per purpose: granted (a lapsed grant is not), since, source."""
    now = timezone.now()
    state = ledger_selectors.subject_state(site=site.key, subject=subject.pseudonym)
    return {
        purpose: {
            "granted": ledger_selectors.granted_now(granted=row.granted, expires_at=row.expires_at, now=now),
            "since": row.since,
            "expires_at": row.expires_at,
            "kind": row.kind,
            "source": row.source,
            "receipt": row.receipt_id,
        }
        for purpose, row in state.items()
    }


def purposes_shown(*, site: Site, locale: str) -> list[dict[str, Any]]:
    """Return the purposes of the site's latest banner with their words in a locale."""
    version = BannerVersion.objects.filter(site=site).order_by("-number").first()
    if version is None:
        return []
    words = notice_text(version, locale) or {"purposes": {}}
    return [
        {**purpose, **words["purposes"].get(purpose["slug"], {"name": purpose["slug"], "description": ""})}
        for purpose in version.content["purposes"]
    ]


def _proof(event_id: str) -> dict[str, Any]:
    try:
        return ledger_selectors.prove_inclusion(event_id=event_id).as_dict()
    except ProofUnavailable as exc:
        return {"event_id": event_id, "pending": str(exc)}


def receipt_document(*, site: Site, subject: Subject, receipt_id: str) -> dict[str, Any] | None:
    """Return one receipt of a subject as a consent record with ISO/IEC TS 27560's fields, and its proofs."""
    entry = next((e for e in subject_history(site=site, subject=subject) if e.receipt_id == receipt_id), None)
    if entry is None:
        return None
    version = _versions(site, {entry.banner_version}).get(entry.banner_version)
    described = {p["slug"]: p for p in (version.content["purposes"] if version else [])}
    words = (entry.notice or {}).get("purposes", {})
    return {
        "schema_version": RECEIPT_SCHEMA,
        "record_id": entry.receipt_id,
        "pii_principal_id": subject.external_id,
        "pii_controllers": [{"name": site.organization.name, "privacy_notice_url": site.privacy_policy_url}],
        "notice": {
            "notice_id": entry.banner_version or None,
            "version": version.number if version else None,
            "language": entry.locale or None,
            "text": entry.notice,
            "url": site.privacy_policy_url,
        },
        "purposes": [
            {
                "purpose_id": slug,
                "purpose": words.get(slug, {}).get("name", slug),
                "description": words.get(slug, {}).get("description", ""),
                "lawful_basis": described.get(slug, {}).get("legal_basis", ""),
                "consent_status": _status(entry.kinds[slug], granted),
                "third_parties": described.get(slug, {}).get("vendors", []),
                "cookies": described.get(slug, {}).get("cookies", []),
            }
            for slug, granted in sorted(entry.decisions.items())
        ],
        "event": [
            {
                "event_time": entry.recorded_at.isoformat(),
                "event_time_at_client": entry.occurred_at.isoformat(),
                "event_type": sorted(set(entry.kinds.values())),
                "event_by": "system" if set(entry.kinds.values()) <= SYSTEM_KINDS else "pii_principal",
                "collection_method": {"source": entry.source, "method": entry.method},
            }
        ],
        "jurisdiction": entry.jurisdiction or None,
        "proof": {
            "log": site.key,
            "inclusion": [_proof(event_id) for event_id in entry.event_ids],
            "public_keys": [key.as_dict() for key in ledger_selectors.public_keys()],
        },
    }


def _status(kind: str, granted: bool) -> str:
    if granted:
        return "given"
    return {"withdrawn": "withdrawn", "expired": "expired", "erased": "erased", "objected": "objected"}.get(
        kind, "refused"
    )


def subject_export(*, site: Site, external_id: str, kind: str = Subject.Kind.USER) -> dict[str, Any]:
    """Return everything held about a subject (links, state, events, evidence, receipts) as one JSON document.

    An id nobody holds anything about (never seen, or erased) gives the same document with empty parts.
    """
    subject = subject_resolve(site=site, external_id=external_id, kind=kind)
    document: dict[str, Any] = {
        "format": "assent-subject-export/1",
        "generated_at": timezone.now().isoformat(),
        "site": site.key,
        "controller": site.organization.name,
        "requested_id": external_id,
        "requested_kind": kind,
        "found": subject is not None,
        "subject": None,
        "links": [],
        "state": {},
        "events": [],
        "evidence": [],
        "receipts": [],
    }
    if subject is None:
        return document
    family = _family(subject)
    document["subject"] = {"id": subject.external_id, "kind": subject.kind, "ledger_key": subject.ledger_key}
    document["links"] = [
        {"device": device.external_id, "linked_to": subject.external_id, "ledger_key": device.ledger_key}
        for device in family[1:]
    ]
    document["state"] = {
        purpose: {**row, "since": row["since"].isoformat(), "expires_at": _iso(row["expires_at"])}
        for purpose, row in subject_state(site=site, subject=subject).items()
    }
    events = _events(site, family)
    document["events"] = [{"subject": owner.external_id, **event.as_dict()} for owner, event in events]
    keys = [s.ledger_key for s in family]
    evidence = Evidence.objects.filter(subject_key__in=keys, receipt_id__in={e.receipt_id for _, e in events})
    document["evidence"] = [
        {"receipt_id": str(row.receipt_id), "recorded_at": row.created_at.isoformat(), "data": row.data}
        for row in evidence.order_by("created_at")
    ]
    document["receipts"] = [
        {
            "receipt_id": entry.receipt_id,
            "recorded_at": entry.recorded_at.isoformat(),
            "source": entry.source,
            "method": entry.method,
            "kinds": entry.kinds,
            "banner_version": entry.banner_version,
            "decisions": entry.decisions,
            "event_ids": entry.event_ids,
        }
        for entry in subject_history(site=site, subject=subject)
    ]
    return document


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def preferences_public(*, site: Site, visitor_id: str) -> dict[str, Any]:
    """Return a visitor's state per purpose for the embedded preference centre (following its link).

    Only the visitor namespace is read: a user's id, which is no secret, reads nothing here.
    """
    found = (
        Subject.objects.select_related("linked_to")
        .filter(site=site, kind=Subject.Kind.VISITOR, external_id=visitor_id)
        .first()
    )
    subject = found.linked_to if found is not None and found.linked_to is not None else found
    state = subject_state(site=site, subject=subject) if subject is not None else {}
    return {
        "purposes": {
            purpose: {"granted": row["granted"], "since": _iso(row["since"])} for purpose, row in state.items()
        },
        "linked": found is not None and found.linked_to_id is not None,
    }


def receipt_deliveries(*, site: Site, receipt_ids: list[str]) -> dict[str, list[dict[str, Any]]]:
    """Return, per receipt, the destinations told of it and whether each confirmed (answered 2xx).

    The outbox keeps the receipt id only inside each message's signed body; the search is limited
    to this site's destinations and the few receipts a page shows.
    """
    found: dict[str, list[dict[str, Any]]] = {receipt: [] for receipt in receipt_ids}
    if not receipt_ids:
        return found
    rows = Delivery.objects.select_related("destination").filter(destination__site=site)
    for receipt in receipt_ids:
        for delivery in rows.filter(body__contains=f'"receipt":"{receipt}"').order_by("id"):
            destination = delivery.destination
            found[receipt].append(
                {
                    "destination": destination.name or urlparse(destination.url).hostname or "",
                    "status": delivery.status,
                    "confirmed": delivery.status == Delivery.Status.DELIVERED,
                    "delivered_at": delivery.delivered_at,
                }
            )
    return found
