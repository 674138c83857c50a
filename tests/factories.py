"""Factories for the consent domain; ledger events are only ever made through its services."""

import hashlib

import factory
from django.contrib.auth import get_user_model

from consent import services
from consent.models import BannerText, Organization, Purpose, PurposeTranslation, Site


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}@example.com")
    email = factory.SelfAttribute("username")
    password = factory.django.Password("password-for-tests")


class OrganizationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organization
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"Organization {n}")


TEXTS = {
    "title": "We use cookies",
    "body": "Choose what you allow.",
    "accept_all": "Accept all",
    "reject_all": "Reject all",
    "customize": "Customize",
    "save_label": "Save",
    "close": "Close",
    "preferences_title": "Preferences",
    "policy_link": "Privacy policy",
    "settings_link": "Cookie settings",
    "always_on": "Always on",
    "objection": "You may object.",
    "gpc_notice": "GPC honoured.",
}

PURPOSES = [
    # slug, legal basis, required, consent mode, sale/share
    ("essential", Purpose.LegalBasis.CONTRACT, True, ["security_storage"], False),
    ("personalization", Purpose.LegalBasis.LEGITIMATE_INTEREST, False, ["personalization_storage"], False),
    ("analytics", Purpose.LegalBasis.CONSENT, False, ["analytics_storage"], False),
    ("marketing", Purpose.LegalBasis.CONSENT, False, ["ad_storage", "ad_user_data", "ad_personalization"], True),
]


def published_site(*, organization: Organization, key: str, locales: tuple[str, ...] = ("en",)) -> Site:
    """Create a site with four purposes and texts in each locale, and publish its first banner."""
    site = services.site_create(
        organization=organization,
        name=f"{key} site",
        key=key,
        privacy_policy_url=f"https://{key}.example/privacy",
        locales=list(locales),
        default_locale=locales[0],
        allowed_origins=[f"https://{key}.example"],
    )
    for order, (slug, basis, required, signals, sale_share) in enumerate(PURPOSES):
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
    for locale in locales:
        BannerText.objects.create(site=site, locale=locale, **TEXTS)
    services.banner_publish(site=site, material=True)
    return site


def visitor_id(label: str) -> str:
    """Return the banner-format visitor id (32 hex digits) that a test's readable label stands for."""
    return hashlib.md5(label.encode()).hexdigest()  # noqa: S324 - an id, not a secret
