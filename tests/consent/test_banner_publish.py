"""Banner versions: content-addressed snapshots, published explicitly, never changed."""

import pytest

from consent import services
from consent.models import BannerText, BannerVersion, Purpose, PurposeTranslation
from tests.factories import TEXTS

pytestmark = pytest.mark.django_db


def test_the_first_version_snapshots_every_purpose_and_text(site):
    version = site.banner_versions.get()
    assert version.number == 1
    assert version.material is True
    content = version.content
    assert [p["slug"] for p in content["purposes"]] == ["essential", "personalization", "analytics", "marketing"]
    essential = content["purposes"][0]
    assert essential == {
        "slug": "essential",
        "legal_basis": "contract",
        "required": True,
        "consent_mode": ["security_storage"],
        "cookies": ["_essential"],
        "vendors": [],
        "sale_share": False,
    }
    assert content["policy_url"] == "https://acme.example/privacy"
    assert content["texts"]["en"]["accept_all"] == "Accept all"
    assert content["texts"]["en"]["purposes"]["analytics"]["description"] == "What analytics does."


def test_publishing_unchanged_content_makes_no_new_version(site):
    version, created = services.banner_publish(site=site, material=True)
    assert created is False
    assert version.number == 1
    assert BannerVersion.objects.filter(site=site).count() == 1


def test_a_changed_text_makes_a_new_version_with_a_new_hash(site):
    first = site.banner_versions.get()
    BannerText.objects.filter(site=site, locale="en").update(title="Cookies, briefly")
    version, created = services.banner_publish(site=site, material=False)
    assert created is True
    assert version.number == 2
    assert version.material is False
    assert version.content_hash != first.content_hash
    first.refresh_from_db()
    assert first.content["texts"]["en"]["title"] == "We use cookies"


def test_bringing_back_earlier_content_publishes_it_as_the_newest_version(site):
    first = site.banner_versions.get()
    BannerText.objects.filter(site=site, locale="en").update(title="Cookies, briefly")
    second, _ = services.banner_publish(site=site, material=False)
    # Back to the first text, on to the second again: each is published as the newest version.
    for number, earlier in ((3, first), (4, second)):
        BannerText.objects.filter(site=site, locale="en").update(title=earlier.content["texts"]["en"]["title"])
        version, created = services.banner_publish(site=site, material=False)
        assert (created, version.number) == (True, number)
        assert version.content["texts"] == earlier.content["texts"]
        assert version.content_hash != earlier.content_hash
        assert site.banner_versions.order_by("-number").first() == version
        assert services.version_terms(site=site, banner_version=version.content_hash).site_key == site.key


def test_the_diff_names_what_changed(site):
    first = site.banner_versions.get()
    Purpose.objects.filter(site=site, slug="marketing").update(required=True)
    changes = services.banner_diff(first.content, services.banner_content(site=site))
    assert changes == ["purposes[marketing].required: False → True"]


def test_it_refuses_to_publish_a_locale_without_texts(site):
    site.locales = ["en", "ja"]
    site.save()
    with pytest.raises(services.BannerIncomplete, match="no banner texts for locale 'ja'"):
        services.banner_publish(site=site, material=True)


def test_it_refuses_to_publish_a_purpose_without_a_translation(site):
    site.locales = ["en", "ja"]
    site.save()
    BannerText.objects.create(site=site, locale="ja", **TEXTS)
    with pytest.raises(services.BannerIncomplete, match="has no 'ja' translation"):
        services.banner_publish(site=site, material=True)
    assert PurposeTranslation.objects.filter(locale="ja").count() == 0
    assert site.banner_versions.count() == 1
