"""What account settings tests share: a signing key, an empty cache, and ways to choose and identify."""

from collections.abc import Callable
from typing import Any

import pytest
from django.core.cache import cache

from consent import services
from consent.accounts.tokens import token_make
from consent.models import BannerText, Membership, Organization, Purpose, PurposeTranslation, Site
from consent.services import consent_record
from tests import factories
from tests.banner.signing import signing_key_ensure


def _published_site(*, organization: Organization, key: str, locales: tuple[str, ...] = ("en",)) -> Site:
    """Build the shared four-purpose site (as tests.factories does) writing banner texts in bulk.

    BannerText has a field named `save`, which shadows Model.save on an instance under Django 5.2.19,
    so BannerText.objects.create() fails; bulk_create never calls save().
    """
    site = services.site_create(
        organization=organization,
        name=f"{key} site",
        key=key,
        privacy_policy_url=f"https://{key}.example/privacy",
        locales=list(locales),
        default_locale=locales[0],
        allowed_origins=[f"https://{key}.example"],
    )
    for order, (slug, basis, required, signals, sale_share) in enumerate(factories.PURPOSES):
        purpose = Purpose.objects.create(
            site=site,
            slug=slug,
            legal_basis=basis,
            required=required,
            order=order,
            consent_mode_signals=signals,
            cookies=[f"_{slug}"],
            sale_share=sale_share,
        )
        for locale in locales:
            PurposeTranslation.objects.create(
                purpose=purpose, locale=locale, name=slug.title(), description=f"What {slug} does."
            )
    BannerText.objects.bulk_create([BannerText(site=site, locale=locale, **factories.TEXTS) for locale in locales])
    services.banner_publish(site=site, material=True)
    return site


@pytest.fixture
def site(organization) -> Site:
    """A published site with four purposes: one required, one legitimate interest, two by consent."""
    return _published_site(organization=organization, key="acme")


@pytest.fixture
def outsider_site(outsider) -> Site:
    """A site of another organization, which only the outsider belongs to."""
    org = factories.OrganizationFactory(name="Other Corp")
    Membership.objects.create(organization=org, user=outsider, role=Membership.Role.OWNER)
    return _published_site(organization=org, key="other")


@pytest.fixture(scope="session", autouse=True)
def _ledger_signing_key():
    signing_key_ensure()


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    """Hash the test users' passwords cheaply: PBKDF2's cost protects nothing here and costs seconds."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _empty_cache():
    """Rate-limit windows and used sign-in links never carry over from another test."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def choose() -> Callable[..., Any]:
    """Return a function that records a choice the way the banner does: choose(site, subject, {slug: bool})."""

    def record(site: Site, external_id: str, choices: dict[str, bool], **options: Any) -> Any:
        options.setdefault("source", "banner")
        options.setdefault("method", "custom")
        options.setdefault("locale", "en")
        options.setdefault("banner_version", site.banner_versions.order_by("-number").first().content_hash)
        return consent_record(site=site, external_id=external_id, choices=choices, **options)

    return record


def identify_token(site: Site, user: str, *, use: str = "identify", lifetime: int = 600) -> str:
    """Return the token the customer's backend would hand its page for this user."""
    return token_make(secret=site.identity_secret, use=use, site_key=site.key, user_id=user, lifetime=lifetime)
