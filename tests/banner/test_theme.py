"""A site's banner theme: refused when a visitor could not read it, frozen into the version, served as values."""

import json

import pytest
from django.core.exceptions import ValidationError

from consent import services
from consent.banner.models import BannerTheme
from consent.banner.selectors import banner_config, script_render
from consent.banner.theme import theme_config
from tests import factories

pytestmark = pytest.mark.django_db

DARK = {
    "text_colour": "#f5f5f5",
    "background_colour": "#111827",
    "button_background": "#fbbf24",
    "button_text": "#111827",
    "link_colour": "#93c5fd",
}
# The version of factories.published_site(key="acme") as it was before themes existed.
THEMELESS_ACME_HASH = "55ad2419d3d669197ebfb6f6c6a43d10bc597cf3c0d8d30843bf427a14f9f589"


def refusal(theme: BannerTheme) -> dict[str, list[str]]:
    with pytest.raises(ValidationError) as raised:
        theme.full_clean()
    return raised.value.message_dict


def test_the_stock_colours_pass_every_check(site):
    BannerTheme(site=site).full_clean()


def test_a_dark_theme_with_enough_contrast_passes(site):
    BannerTheme(site=site, **DARK, font_family="'Noto Sans JP', sans-serif", corner_radius=0).full_clean()


@pytest.mark.parametrize(
    ("field", "values", "ratio"),
    [
        ("text_colour", {"text_colour": "#777777"}, "4.48:1"),
        ("button_text", {"button_background": "#777777", "button_border": True}, "4.48:1"),
        ("link_colour", {"link_colour": "#777777"}, "4.48:1"),
    ],
)
def test_each_text_pair_below_4_5_is_refused_naming_its_field_and_ratio(site, field, values, ratio):
    errors = refusal(BannerTheme(site=site, **values))
    assert list(errors) == [field]
    assert ratio in errors[field][0]
    assert "4.5:1" in errors[field][0]


def test_buttons_that_melt_into_the_background_are_refused_with_the_ratio(site):
    theme = BannerTheme(site=site, button_background="#e5e7eb", button_text="#1a1a1a")
    errors = refusal(theme)
    assert list(errors) == ["button_background"]
    assert "1.24:1" in errors["button_background"][0]
    assert "3:1" in errors["button_background"][0]


def test_outlined_buttons_may_be_close_to_the_background(site):
    BannerTheme(site=site, button_background="#e5e7eb", button_text="#1a1a1a", button_border=True).full_clean()


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("text_colour", "red"),
        ("background_colour", "#fff"),
        ("font_family", "x; color: red"),
        ("font_family", "url(https://evil.example/f.woff)"),
        ("font_family", "a{b"),
        ("font_family", "'Open Sans"),
        ("font_family", "Open 'Sans'"),
        ("corner_radius", 25),
        ("position", "floating"),
        ("button_order", "accept-only"),
    ],
)
def test_a_malformed_value_is_refused_on_its_own_field(site, field, value):
    errors = refusal(BannerTheme(site=site, **{field: value}))
    assert list(errors) == [field]


def test_a_theme_is_frozen_into_the_next_version_and_listed_in_the_diff(site):
    before = site.banner_versions.get()
    assert "theme" not in before.content
    theme = BannerTheme.objects.create(site=site, **DARK, position="modal", button_order="reject-first")
    draft = services.banner_content(site=site)
    assert draft["theme"] == theme.content()
    assert "theme: added" in services.banner_diff(before.content, draft)[0]
    version, created = services.banner_publish(site=site, material=True)
    assert created
    assert version.content["theme"]["position"] == "modal"
    assert version.content["theme"]["background_colour"] == "#111827"

    theme.text_colour = "#FFFFFF"
    theme.full_clean()
    theme.save()
    changes = services.banner_diff(version.content, services.banner_content(site=site))
    assert changes == ["theme.text_colour: '#f5f5f5' → '#ffffff'"]
    newer, created = services.banner_publish(site=site, material=True)
    assert created
    assert newer.content_hash != version.content_hash


def test_a_theme_less_site_keeps_the_content_hash_it_had_before_themes(organization):
    site = factories.published_site(organization=organization, key="acme")
    assert site.banner_versions.get().content_hash == THEMELESS_ACME_HASH
    _, created = services.banner_publish(site=site, material=False)
    assert not created


def test_removing_the_theme_is_listed_as_a_change_back_to_the_stock_look(site):
    BannerTheme.objects.create(site=site, **DARK)
    themed, _ = services.banner_publish(site=site, material=True)
    BannerTheme.objects.filter(site=site).delete()
    draft = services.banner_content(site=site)
    assert services.banner_diff(themed.content, draft) == [f"theme: removed {themed.content['theme']!r}"]
    assert draft == site.banner_versions.get(number=1).content


def test_the_config_carries_the_theme_as_custom_property_values(site):
    BannerTheme.objects.create(
        site=site,
        **DARK,
        font_family="Georgia, serif",
        corner_radius=12,
        position="box-left",
        button_order="reject-first",
    )
    version, _ = services.banner_publish(site=site, material=True)
    config = banner_config(site=site, version=version)
    assert config["theme"] == {
        "vars": {
            "--fg": "#f5f5f5",
            "--bg": "#111827",
            "--bb": "#fbbf24",
            "--bt": "#111827",
            "--a": "#93c5fd",
            "--bd": "#fbbf24",
            "--r": "12px",
            "--f": "Georgia, serif",
        },
        "position": "box-left",
        "reject_first": True,
    }
    body = script_render(config=config).decode()
    assert json.dumps(config["theme"]["vars"], separators=(",", ":"), sort_keys=True)[1:-1] in body


def test_outlined_buttons_get_the_text_colour_as_border_and_no_font_keeps_the_stock_one(site):
    BannerTheme.objects.create(site=site, button_background="#ffffff", button_text="#1a1a1a", button_border=True)
    version, _ = services.banner_publish(site=site, material=True)
    theme = banner_config(site=site, version=version)["theme"]
    assert theme["vars"]["--bd"] == "#1a1a1a"
    assert "--f" not in theme["vars"]
    assert "reject_first" not in theme


def test_a_theme_less_version_serves_no_theme(site):
    assert "theme" not in banner_config(site=site, version=site.banner_versions.get())


def test_a_frozen_theme_that_fails_its_checks_is_never_served(site):
    theme = BannerTheme(site=site).content()
    assert theme_config({**theme, "font_family": "x;}body{display:none"}) is None
    assert theme_config({**theme, "text_colour": "#ffffff"}) is None
    assert theme_config({**theme, "position": "fixed; top: 0"}) is None
    assert theme_config(theme) is not None
