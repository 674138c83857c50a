"""Stock translations: a site may leave any banner text empty and get the product's own words."""

import pytest

from consent import services
from consent.banner.selectors import banner_config, texts_served, version_latest
from consent.banner.stock import STOCK
from consent.models import BannerText, PurposeTranslation
from consent.services import BANNER_TEXT_FIELDS
from tests import factories

SHIPPED = {"en", "ja", "de", "fr", "es", "it", "nl", "pt", "pl", "sv"}


def _blank(site, locale: str) -> None:
    """Give the site a locale whose banner texts are all left empty."""
    site.locales = [*site.locales, locale]
    site.save(update_fields=["locales"])
    BannerText.objects.create(site=site, locale=locale, **{f: "" for f in BANNER_TEXT_FIELDS if f != "direction"})
    for purpose in site.purposes.all():
        PurposeTranslation.objects.create(purpose=purpose, locale=locale, name=purpose.slug, description="")


def test_every_shipped_language_has_every_fixed_string():
    assert set(STOCK) == SHIPPED
    keys = {f.removesuffix("_label") for f in BANNER_TEXT_FIELDS if f != "direction"} | {"receipt_link"}
    for locale, texts in STOCK.items():
        assert set(texts) == keys, locale
        assert all(value.strip() for value in texts.values()), locale


def test_empty_texts_publish_with_the_stock_strings_of_their_language(site):
    _blank(site, "de-AT")
    version, created = services.banner_publish(site=site, material=False)
    assert created
    german = version.content["texts"]["de-AT"]
    assert (german["accept_all"], german["reject_all"], german["save"]) == (
        "Alle akzeptieren",
        "Alle ablehnen",
        "Auswahl speichern",
    )
    assert german["direction"] == "ltr"
    # What the site wrote itself is kept.
    assert version.content["texts"]["en"]["accept_all"] == site.banner_texts.get(locale="en").accept_all


def test_an_operator_string_overrides_the_stock_one(site):
    _blank(site, "fr")
    BannerText.objects.filter(site=site, locale="fr").update(accept_all="D'accord pour tout")
    version, _ = services.banner_publish(site=site, material=False)
    assert version.content["texts"]["fr"]["accept_all"] == "D'accord pour tout"
    assert version.content["texts"]["fr"]["reject_all"] == "Tout refuser"


def test_an_empty_text_in_a_language_without_stock_strings_blocks_publishing(site):
    _blank(site, "ar")
    with pytest.raises(services.BannerIncomplete) as raised:
        services.banner_publish(site=site, material=False)
    assert raised.value.field == "texts"
    assert site.banner_versions.count() == 1


def test_a_right_to_left_locale_with_its_own_texts_keeps_its_direction(organization):
    site = factories.published_site(organization=organization, key="rtl", locales=("en", "ar"))
    BannerText.objects.filter(site=site, locale="ar").update(direction="rtl")
    version, _ = services.banner_publish(site=site, material=False)
    assert version.content["texts"]["ar"]["direction"] == "rtl"


def test_the_receipt_link_comes_in_the_visitors_language_or_english(site):
    _blank(site, "ja")
    BannerText.objects.filter(site=site, locale="ja").update(title="ようこそ")
    services.banner_publish(site=site, material=False)
    config = banner_config(site=site, version=version_latest(site=site))
    assert config["texts"]["ja"]["receipt_link"] == "選択の記録をダウンロード"
    assert config["texts"]["ja"]["title"] == "ようこそ"
    assert config["texts"]["en"]["receipt_link"] == "Download the record of my choice"
    assert texts_served({"ko": {"title": "환영합니다"}})["ko"]["receipt_link"] == "Download the record of my choice"
