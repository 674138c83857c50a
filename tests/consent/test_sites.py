"""Sites are created through a service that validates every field."""

import pytest

from consent import services
from consent.models import Site

pytestmark = pytest.mark.django_db


def create(organization, **overrides):
    fields = {
        "organization": organization,
        "name": "Shop",
        "key": "shop",
        "privacy_policy_url": "https://shop.example/privacy",
        "locales": ["en", "ja"],
        "default_locale": "en",
        "allowed_origins": ["https://shop.example"],
    }
    fields.update(overrides)
    return services.site_create(**fields)


def test_it_creates_a_site_with_an_identity_secret(organization):
    site = create(organization)
    assert site.key == "shop"
    assert len(site.identity_secret) >= 40
    assert site.consent_lifetime_days == 365
    assert site.honour_gpc is True


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"key": "Not A Key"}, "key"),
        ({"default_locale": "fr"}, "default_locale"),
        ({"privacy_policy_url": "javascript:alert(1)"}, "privacy_policy_url"),
        ({"consent_lifetime_days": 0}, "consent_lifetime_days"),
    ],
)
def test_it_rejects_a_bad_field_and_writes_nothing(organization, overrides, field):
    with pytest.raises(services.ConsentInputError) as caught:
        create(organization, **overrides)
    assert caught.value.field == field
    assert not Site.objects.filter(name="Shop").exists()


def test_it_rejects_a_duplicate_key(organization, site):
    with pytest.raises(services.ConsentInputError) as caught:
        create(organization, key=site.key)
    assert caught.value.field == "key"
