"""Writes of the consent domain: sites, purposes, banner versions, subjects and recorded choices."""

import dataclasses
import functools
import hashlib
import json
import secrets
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from types import MappingProxyType
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone

from consent.banner.declaration import cookie_declaration, cookie_names, vendor_entries, vendor_names
from consent.banner.models import BannerTheme
from consent.banner.stock import stock_text
from consent.hooks import services as hooks_services
from consent.models import BannerText, BannerVersion, Organization, Purpose, Site, Subject
from consent.regions.selectors import regulations_content
from ledger import services as ledger_services
from ledger.rows import fetch
from ledger.services import IdempotencyConflict, Receipt

LEGITIMATE_INTEREST = Purpose.LegalBasis.LEGITIMATE_INTEREST.value


class ConsentInputError(ValueError):
    """A write was refused; `field` names the input at fault."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


class BannerIncomplete(ConsentInputError):
    """A banner cannot be published while a locale lacks its texts."""


def canonical_json(value: Any) -> bytes:
    """Return the one byte string a JSON value hashes to: sorted keys, no spaces, UTF-8."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def site_create(
    *,
    organization: Organization,
    name: str,
    key: str,
    privacy_policy_url: str,
    locales: list[str],
    default_locale: str,
    allowed_origins: list[str] | None = None,
    consent_lifetime_days: int = 365,
    honour_gpc: bool = True,
    cookie_domain: str = "",
    banner_placeholders: bool = False,
) -> Site:
    """Create a site with a fresh identity secret, after validating every field."""
    if default_locale not in locales:
        raise ConsentInputError("default_locale", f"{default_locale!r} is not one of the site's locales {locales}")
    site = Site(
        organization=organization,
        name=name,
        key=key,
        privacy_policy_url=privacy_policy_url,
        locales=locales,
        default_locale=default_locale,
        banner_placeholders=banner_placeholders,
        allowed_origins=allowed_origins or [],
        consent_lifetime_days=consent_lifetime_days,
        honour_gpc=honour_gpc,
        cookie_domain=cookie_domain,
        identity_secret=secrets.token_urlsafe(32),
    )
    try:
        site.full_clean()
    except ValidationError as exc:
        field, messages = next(iter(exc.message_dict.items()))
        raise ConsentInputError(field, " ".join(messages)) from None
    site.save()
    return site


# Every word of the banner an operator writes, as a version's content names it (`save_label` → `save`).
BANNER_TEXT_FIELDS = [f.name for f in BannerText._meta.concrete_fields if f.name not in {"id", "site", "locale"}]


def banner_content(*, site: Site) -> dict[str, Any]:
    """Return the snapshot a banner version freezes: texts per locale, purposes, the policy URL and the theme."""
    purposes = list(site.purposes.prefetch_related("translations").order_by("order", "slug"))
    texts: dict[str, dict[str, Any]] = {}
    for text in site.banner_texts.all():
        if text.locale not in site.locales:
            continue
        texts[text.locale] = {}
        for field in BANNER_TEXT_FIELDS:
            key = field.removesuffix("_label")
            # Left empty by the operator: the product's own words, frozen into the version like the rest.
            value = getattr(text, field) or stock_text(locale=text.locale, key=key)
            if not value:
                raise BannerIncomplete("texts", f"{field!r} is empty in {text.locale!r}, which has no stock strings")
            texts[text.locale][key] = value
        texts[text.locale]["purposes"] = {}
    for locale in site.locales:
        if locale not in texts:
            raise BannerIncomplete("locales", f"no banner texts for locale {locale!r}")
    for purpose in purposes:
        translations = {t.locale: t for t in purpose.translations.all()}
        for locale in site.locales:
            if locale not in translations:
                raise BannerIncomplete("purposes", f"purpose {purpose.slug!r} has no {locale!r} translation")
            texts[locale]["purposes"][purpose.slug] = {
                "name": translations[locale].name,
                "description": translations[locale].description,
            }
    if not purposes:
        raise BannerIncomplete("purposes", "a banner needs at least one purpose")
    content: dict[str, Any] = {
        "site": site.key,
        "policy_url": site.privacy_policy_url,
        "locales": list(site.locales),
        "default_locale": site.default_locale,
        "purposes": [
            {
                "slug": p.slug,
                "legal_basis": p.legal_basis,
                "required": p.required,
                "consent_mode": list(p.consent_mode_signals),
                "cookies": cookie_names(p.cookies),
                "vendors": vendor_names(p.vendors),
                "sale_share": p.sale_share,
            }
            for p in purposes
        ],
        "texts": texts,
    }
    # Only purposes with declaration objects carry the key, so versions of bare names keep their hashes.
    for frozen, purpose in zip(content["purposes"], purposes, strict=True):
        if (declaration := cookie_declaration(purpose.cookies)) is not None:
            frozen["declaration"] = declaration
        # Only per-vendor purposes carry the key, so versions published before it keep their hashes.
        if purpose.per_vendor:
            # Each with the key its decision is recorded under: `purpose:vendor`.
            frozen["vendor_choices"] = [
                {"key": f"{purpose.slug}:{v['slug']}", **v} for v in vendor_entries(purpose.vendors)
            ]
    # Only sites that enable placeholders carry the key, so other versions keep their hashes.
    if site.banner_placeholders:
        content["embeds"] = True
    # Only sites with a theme carry the key, so versions of theme-less sites keep their hashes; the
    # version then proves how the banner looked as well as what it said.
    if (theme := BannerTheme.objects.filter(site=site).first()) is not None:
        content["theme"] = theme.content()
    # Only sites with regulations carry the key, so versions published before regions keep their hashes.
    if regulations := regulations_content(site=site):
        slugs = {p.slug for p in purposes}
        for regulation in regulations:
            if unknown := sorted(set(regulation["opt_in_purposes"]) - slugs):
                raise BannerIncomplete("regulations", f"{regulation['slug']!r} names unknown purposes {unknown}")
        content["regulations"] = regulations
    return content


def banner_diff(old: Mapping[str, Any] | None, new: Mapping[str, Any]) -> list[str]:
    """Describe, one line each, how new differs from old (what an operator confirms before publishing)."""
    if old is None:
        return ["first version"]
    changes: list[str] = []

    def walk(path: str, a: Any, b: Any) -> None:
        if isinstance(a, dict) and isinstance(b, dict):
            for key in sorted(set(a) | set(b)):
                walk(f"{path}.{key}" if path else str(key), a.get(key), b.get(key))
        elif isinstance(a, list) and isinstance(b, list) and path == "purposes":
            old_by_slug = {p["slug"]: p for p in a}
            new_by_slug = {p["slug"]: p for p in b}
            for slug in sorted(set(old_by_slug) | set(new_by_slug)):
                walk(f"purposes[{slug}]", old_by_slug.get(slug), new_by_slug.get(slug))
        elif a != b:
            if a is None:
                changes.append(f"{path}: added {b!r}")
            elif b is None:
                changes.append(f"{path}: removed {a!r}")
            else:
                changes.append(f"{path}: {a!r} → {b!r}")

    walk("", dict(old), dict(new))
    return changes


def banner_publish(*, site: Site, material: bool, user: AbstractBaseUser | None = None) -> tuple[BannerVersion, bool]:
    """Freeze the site's current texts and purposes as a new version; return (version, created).

    Publishing unchanged content returns the latest version: a version is its content.
    """
    content = banner_content(site=site)
    content_hash = hashlib.sha256(canonical_json(content)).hexdigest()
    with transaction.atomic():
        # Lock the site row so two publishers cannot both take the next number.
        Site.objects.select_for_update().get(pk=site.pk)
        latest = site.banner_versions.order_by("-number").first()
        if latest is not None and latest.content_hash == content_hash:
            return latest, False
        number = (latest.number + 1) if latest else 1
        if BannerVersion.objects.filter(content_hash=content_hash).exists():
            # Content published before and since replaced, brought back (a reverted text, a removed
            # theme): the new version names its number, so its hash differs from the old one's while
            # what it shows is the same. Only such a version carries the key: other hashes stay as they were.
            content = {**content, "number": number}
            content_hash = hashlib.sha256(canonical_json(content)).hexdigest()
        version = BannerVersion.objects.create(
            site=site,
            number=number,
            content=content,
            content_hash=content_hash,
            # The first version is always material: nobody has been asked anything yet.
            material=material or latest is None,
            published_by_id=user.pk if user is not None and user.is_authenticated else None,
        )
    return version, True


def subject_get_or_create(*, site: Site, external_id: str, kind: str) -> Subject:
    """Return the subject an id of one kind stands for on this site, creating its pseudonym on first sight.

    Visitors and users are separate namespaces: the same string names two different subjects.
    """
    return _subject_for_write(site=site, external_id=external_id, kind=kind)[0]


def _subject_for_write(*, site: Site, external_id: str, kind: str) -> tuple[Subject, bool | None]:
    """Return the subject (created on first sight) and whether the site has an active webhook destination.

    On PostgreSQL both come from one statement inside the write's transaction, so the answer about
    destinations is as fresh as the choice itself; elsewhere it is None (not read here).
    """
    if not external_id or len(external_id) > 128:
        raise ConsentInputError("subject", "must be 1 to 128 characters")
    if kind not in Subject.Kind.values:
        raise ConsentInputError("subject_kind", f"must be one of {', '.join(Subject.Kind.values)}")
    if connection.vendor == "postgresql":
        return _subject_upsert(site=site, external_id=external_id, kind=kind)
    subject = Subject.objects.filter(site=site, kind=kind, external_id=external_id).first()
    if subject is not None:
        return subject, None
    subject = _subject_new(site=site, external_id=external_id, kind=kind)
    # One statement and no savepoint: a concurrent first sight makes the insert a no-op, not an error.
    rows = fetch(_SUBJECT_INSERT, [site.pk, external_id, kind, subject.pseudonym, subject.ledger_key, _at(subject)])
    if not rows:
        # Another request created it first; theirs is the one.
        return Subject.objects.get(site=site, kind=kind, external_id=external_id), None
    return _stored(subject, rows[0][0]), None


def _subject_new(*, site: Site, external_id: str, kind: str) -> Subject:
    pseudonym = secrets.token_hex(16)
    return Subject(
        site=site,
        external_id=external_id,
        kind=kind,
        pseudonym=pseudonym,
        ledger_key=ledger_services.subject_key(site=site.key, subject=pseudonym),
        created_at=timezone.now(),
    )


def _stored(subject: Subject, pk: int) -> Subject:
    subject.pk = pk
    subject._state.adding = False
    subject._state.db = connection.alias
    return subject


def _subject_upsert(*, site: Site, external_id: str, kind: str) -> tuple[Subject, bool | None]:
    """Find or create the subject and read the site's destinations in one statement (PostgreSQL)."""
    new = _subject_new(site=site, external_id=external_id, kind=kind)
    where = [site.pk, kind, external_id]
    params = [*where, site.pk, external_id, kind, new.pseudonym, new.ledger_key, _at(new), site.pk]
    # Prepared: planning this statement took twice as long as running it.
    rows = fetch(_SUBJECT_UPSERT, params, prepared=True)
    if not rows:
        # Another request is creating it right now: once it committed, theirs is the one. Not reading
        # destinations here just means the write path reads them itself.
        return Subject.objects.get(site=site, kind=kind, external_id=external_id), None
    pk, pseudonym, ledger_key, linked_to_id, created_at, destinations = rows[0]
    if pseudonym == new.pseudonym:
        return _stored(new, pk), destinations
    found = Subject(
        site=site,
        external_id=external_id,
        kind=kind,
        pseudonym=pseudonym,
        ledger_key=ledger_key,
        linked_to_id=linked_to_id,
        created_at=created_at,
    )
    return _stored(found, pk), destinations


# Quoted names only; every value is a parameter.
_SUBJECT_INSERT = (
    "INSERT INTO consent_subject (site_id, external_id, kind, pseudonym, ledger_key, linked_to_id, created_at)"
    " VALUES (%s, %s, %s, %s, %s, NULL, %s) ON CONFLICT (site_id, kind, external_id) DO NOTHING RETURNING id"
)
# The subject found, or else inserted (a lost race returns no row), and whether the site has an active
# destination: one round trip for what took three.
_SUBJECT_UPSERT = (
    "WITH found AS ("
    " SELECT id, pseudonym, ledger_key, linked_to_id, created_at FROM consent_subject"
    " WHERE site_id = %s AND kind = %s AND external_id = %s"
    "), made AS ("
    " INSERT INTO consent_subject (site_id, external_id, kind, pseudonym, ledger_key, linked_to_id, created_at)"
    " SELECT %s, %s, %s, %s, %s, NULL, %s WHERE NOT EXISTS (SELECT 1 FROM found)"
    " ON CONFLICT (site_id, kind, external_id) DO NOTHING"
    " RETURNING id, pseudonym, ledger_key, linked_to_id, created_at"
    ")"
    " SELECT subject.*, EXISTS (SELECT 1 FROM hooks_destination WHERE site_id = %s AND active)"
    " FROM (SELECT * FROM found UNION ALL SELECT * FROM made) AS subject"
)


def _at(subject: Subject) -> Any:
    """Return the creation time as this database takes it (what the ORM's DateTimeField would send)."""
    return Subject._meta.get_field("created_at").get_db_prep_value(subject.created_at, connection)


@dataclass(frozen=True)
class _Terms:
    """What a choice is checked against: the locales offered (None: any) and the purposes."""

    site_key: str
    locales: tuple[str, ...] | None
    required: Mapping[str, bool]
    # Purposes processed on legitimate interest: switching one off is an objection (GDPR Art. 21).
    objectable: frozenset[str]
    # The regulations the version published, by slug (none for a choice made outside the banner).
    regulations: Mapping[str, Mapping[str, Any]] = dataclasses.field(default_factory=dict)
    # Per-vendor purposes and their vendors' slugs: each may be decided as the key `purpose:vendor`.
    vendors: Mapping[str, frozenset[str]] = dataclasses.field(default_factory=dict)

    def vendor_keys(self, purposes: Collection[str]) -> list[str]:
        """Return the `purpose:vendor` decision keys of the given per-vendor purposes."""
        return [f"{p}:{v}" for p in purposes if p in self.vendors for v in sorted(self.vendors[p])]

    def decision_keys(self) -> Collection[str]:
        """Return every key a choice may decide: the purposes and their vendors' `purpose:vendor` keys."""
        return [*self.required, *self.vendor_keys(self.vendors)] if self.vendors else self.required.keys()


@functools.lru_cache(maxsize=1024)
def _version_terms(content_hash: str) -> _Terms:
    """Return a version's terms; cached, since a version never changes.

    Keyed by the content hash alone, which is unique and names its site's key (never a row id, which
    a database may hand out again). An unknown version raises instead of returning, so a miss is
    never cached.
    """
    version = BannerVersion.objects.only("content").get(content_hash=content_hash)
    purposes = version.content["purposes"]
    return _Terms(
        site_key=version.content["site"],
        locales=tuple(version.content["locales"]),
        required=MappingProxyType({p["slug"]: bool(p["required"]) for p in purposes}),
        objectable=frozenset(p["slug"] for p in purposes if p.get("legal_basis") == LEGITIMATE_INTEREST),
        regulations=MappingProxyType({r["slug"]: r for r in version.content.get("regulations", [])}),
        vendors=MappingProxyType(
            {p["slug"]: frozenset(v["slug"] for v in p["vendor_choices"]) for p in purposes if "vendor_choices" in p}
        ),
    )


def version_terms(*, site: Site, banner_version: str) -> _Terms:
    """Return the terms of the published version a banner choice names, or refuse it naming the field."""
    return _known_purposes(site=site, banner_version=banner_version)


def _known_purposes(*, site: Site, banner_version: str) -> _Terms:
    """Return the terms of the version a choice was made under.

    A choice made outside the banner (API, account settings) names no version: the site's purposes
    as they are now apply, and any locale.
    """
    if banner_version:
        try:
            terms = _version_terms(banner_version)
        except BannerVersion.DoesNotExist:
            terms = None
        if terms is None or terms.site_key != site.key:
            raise ConsentInputError("banner_version", "is not a published version of this site")
        return terms
    rows = Purpose.objects.filter(site=site).values_list("slug", "required", "legal_basis", "per_vendor", "vendors")
    return _Terms(
        site_key=site.key,
        locales=None,
        required={slug: required for slug, required, *_ in rows},
        objectable=frozenset(slug for slug, _, basis, *_ in rows if basis == LEGITIMATE_INTEREST),
        vendors={
            slug: frozenset(v["slug"] for v in vendor_entries(vendors))
            for slug, _, _, per_vendor, vendors in rows
            if per_vendor
        },
    )


def _vendor_check(terms: _Terms, key: str) -> str:
    """Return the purpose of a `purpose:vendor` key, or refuse it naming the field."""
    purpose, _, vendor = key.partition(":")
    if vendor not in terms.vendors.get(purpose, ()):
        raise ConsentInputError(f"choices.{key}", "is not a vendor of a per-vendor purpose of this banner version")
    return purpose


def consent_record(
    *,
    site: Site,
    external_id: str,
    choices: Mapping[str, bool],
    source: str,
    method: str,
    locale: str,
    banner_version: str = "",
    kind: str | None = None,
    occurred_at: datetime | None = None,
    idempotency_key: str | None = None,
    evidence: Mapping[str, Any] | None = None,
    jurisdiction: str = "",
    subject_kind: str = Subject.Kind.VISITOR,
    channel: str = "system",
) -> tuple[Subject, Receipt]:
    """Append one choice to the ledger and queue its webhooks, in one transaction.

    Required purposes are recorded granted whatever was sent: they were shown locked on. A visitor
    who is linked to a user records on the user's subject, so the choice follows them everywhere.
    Switching off a legitimate-interest purpose is an objection: it is recorded with kind `objected`,
    as its own receipt beside the rest of the choice when the choice decides other purposes too.
    """
    if not choices:
        raise ConsentInputError("choices", "must name at least one purpose")
    terms = _known_purposes(site=site, banner_version=banner_version)
    purposes = terms.required
    for slug, granted in choices.items():
        # A vendor's decision is checked as its purpose's: known, boolean, never refusing a required one.
        purpose = _vendor_check(terms, slug) if isinstance(slug, str) and ":" in slug else slug
        if purpose not in purposes:
            raise ConsentInputError(f"choices.{slug}", "is not a purpose of this banner version")
        if not isinstance(granted, bool):
            raise ConsentInputError(f"choices.{slug}", "must be true or false")
        if purposes[purpose] and not granted and kind not in {"expired", "erased"}:
            raise ConsentInputError(f"choices.{slug}", "is required and cannot be refused")
    decisions = dict(choices)
    if method in {"accept_all", "reject_all"}:
        # Accepting (or rejecting) everything decides every vendor of the purposes it decides alike.
        for key in terms.vendor_keys([slug for slug in choices if slug in terms.vendors]):
            decisions.setdefault(key, choices[key.partition(":")[0]])
    if kind not in {"expired", "erased"}:
        required = [slug for slug, required in purposes.items() if required]
        decisions.update(dict.fromkeys([*required, *terms.vendor_keys(required)], True))
    if locale and terms.locales is not None and locale not in terms.locales:
        raise ConsentInputError("locale", f"must be one of {list(terms.locales)}")
    with transaction.atomic():
        # The kind is part of the identity, looked up (and created) inside the write's transaction.
        # Whether the site has an active destination, read in this transaction (None: not read here).
        subject, destinations = _subject_for_write(site=site, external_id=external_id, kind=subject_kind)
        if subject.linked_to_id is not None:
            subject = subject.linked_to  # type: ignore[assignment]
        try:
            # One choice, one receipt: a legitimate-interest purpose switched off is recorded as an
            # objection within it (the ledger derives the kind per purpose).
            receipt = ledger_services.event_append(
                site=site.key,
                subject=subject.pseudonym,
                decisions=decisions,
                kind=kind,
                source=source,
                banner_version=banner_version,
                method=method,
                locale=locale,
                jurisdiction=jurisdiction,
                occurred_at=occurred_at,
                idempotency_key=idempotency_key,
                channel=channel,
                evidence=evidence,
                known_purposes=terms.decision_keys(),
                lifetime=timedelta(days=site.consent_lifetime_days),
                objectable=terms.objectable.union(terms.vendor_keys(terms.objectable))
                if terms.vendors
                else terms.objectable,
            )
        except IdempotencyConflict:
            raise  # not bad input but a clash with an earlier request: the HTTP layer answers 409
        except ValueError as exc:
            raise ConsentInputError(getattr(exc, "field", "choices"), str(exc)) from exc
        if not receipt.replayed:
            hooks_services.deliveries_create(
                site=site, subject=subject, receipt=receipt, regulation=jurisdiction, has_destinations=destinations
            )
    return subject, receipt
