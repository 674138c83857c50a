"""The theme's contrast check follows WCAG 2's relative luminance, against pairs with known ratios."""

import pytest
from django.core.exceptions import ValidationError

from consent.banner.theme import contrast_ratio, contrast_validate, font_family_validate, relative_luminance


@pytest.mark.parametrize(("colour", "luminance"), [("#000000", 0.0), ("#ffffff", 1.0), ("#808080", 0.2158605)])
def test_relative_luminance_matches_the_wcag_formula(colour, luminance):
    assert relative_luminance(colour) == pytest.approx(luminance, abs=1e-6)


@pytest.mark.parametrize(
    ("first", "second", "ratio"),
    [
        ("#000000", "#ffffff", 21.0),
        ("#ffffff", "#ffffff", 1.0),
        ("#767676", "#ffffff", 4.54),
        ("#777777", "#ffffff", 4.48),
        ("#1d4ed8", "#ffffff", 6.70),
        ("#ff0000", "#ffffff", 4.00),
    ],
)
def test_contrast_ratio_matches_known_pairs_in_either_order(first, second, ratio):
    assert contrast_ratio(first, second) == pytest.approx(ratio, abs=0.01)
    assert contrast_ratio(second, first) == pytest.approx(ratio, abs=0.01)


def test_a_pair_below_aa_is_refused_naming_the_field():
    contrast_validate(field="text_colour", foreground="#767676", background="#ffffff")
    with pytest.raises(ValidationError) as raised:
        contrast_validate(field="text_colour", foreground="#777777", background="#ffffff")
    assert list(raised.value.message_dict) == ["text_colour"]


@pytest.mark.parametrize("value", ['"Noto Sans JP", Arial, sans-serif', "system-ui", "'Segoe UI'"])
def test_a_plain_font_family_list_is_accepted(value):
    font_family_validate(value)


@pytest.mark.parametrize("value", ["", "x; color: red", "url(https://evil.example/f)", "a}b", "a\\62", "x" * 201])
def test_a_font_family_that_could_be_more_css_is_refused(value):
    with pytest.raises(ValidationError) as raised:
        font_family_validate(value)
    assert list(raised.value.message_dict) == ["font_family"]
