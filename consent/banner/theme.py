"""The banner's theme checks: WCAG contrast of colour pairs and safe CSS values, computed on the server."""

import logging
import re
from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError

logger = logging.getLogger(__name__)

HEX = re.compile(r"#[0-9a-fA-F]{6}")
FONT_FAMILY = re.compile(r"[A-Za-z0-9 ,'\"-]{1,200}")
# One family name: quoted whole (no quote inside) or bare words, so a value is a list of names and nothing more.
FONT_NAME = re.compile(r"'[A-Za-z0-9 -]+'|\"[A-Za-z0-9 -]+\"|[A-Za-z0-9 -]+")
AA_CONTRAST = 4.5
# WCAG 2.1 SC 1.4.11: a control's boundary against what surrounds it.
NON_TEXT_CONTRAST = 3.0
POSITIONS = ("bar-bottom", "bar-top", "box-left", "box-right", "modal")
BUTTON_ORDERS = ("accept-first", "reject-first")
RADIUS_MAX = 24
# The custom property each colour sets in the banner's shadow root (styles.css reads them with defaults).
COLOUR_PROPERTIES = {
    "text_colour": "--fg",
    "background_colour": "--bg",
    "button_background": "--bb",
    "button_text": "--bt",
    "link_colour": "--a",
}


def _channel(value: int) -> float:
    srgb = value / 255
    return srgb / 12.92 if srgb <= 0.04045 else ((srgb + 0.055) / 1.055) ** 2.4


def relative_luminance(colour: str) -> float:
    """Return a #rrggbb colour's relative luminance (WCAG 2: 0.2126 R + 0.7152 G + 0.0722 B, linearised)."""
    if not HEX.fullmatch(colour):
        raise ValueError(f"not a #rrggbb colour: {colour!r}")
    red, green, blue = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
    return 0.2126 * _channel(red) + 0.7152 * _channel(green) + 0.0722 * _channel(blue)


def contrast_ratio(first: str, second: str) -> float:
    """Return the WCAG contrast ratio of two colours, from 1 (same) to 21 (black on white)."""
    lighter, darker = sorted((relative_luminance(first), relative_luminance(second)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def contrast_validate(*, field: str, foreground: str, background: str) -> None:
    """Refuse a colour pair below WCAG AA for normal text (4.5:1), naming the field to change."""
    ratio = contrast_ratio(foreground, background)
    if ratio < AA_CONTRAST:
        raise ValidationError({field: f"contrast {ratio:.2f}:1 with {background} is below 4.5:1 (WCAG AA)"})


def font_family_validate(value: str) -> None:
    """Refuse a font-family that could be more than a list of names (no ; { } ( ) / \\ or url())."""
    if not FONT_FAMILY.fullmatch(value):
        raise ValidationError(
            {"font_family": "letters, digits, spaces, commas, quotes and hyphens only (1 to 200 characters)"}
        )
    if not all(FONT_NAME.fullmatch(name.strip()) for name in value.split(",")):
        raise ValidationError({"font_family": "a comma-separated list of names, each quoted whole or not at all"})


def theme_validate(theme: Mapping[str, Any]) -> None:
    """Refuse a theme a visitor could not read, or one that would make Accept and Reject unequal.

    Text, links and button labels need 4.5:1 (WCAG 1.4.3); the buttons' boundary needs 3:1 against
    the layer (1.4.11), unless they are outlined in the text colour, which already has 4.5:1. Both
    buttons share one style, so whatever passes here serves Accept and Reject alike.
    """
    errors: dict[str, list[str]] = {}
    for field in COLOUR_PROPERTIES:
        if not HEX.fullmatch(str(theme.get(field, ""))):
            errors.setdefault(field, []).append("a colour as #rrggbb")
    if theme.get("font_family"):
        try:
            font_family_validate(str(theme["font_family"]))
        except ValidationError as exc:
            errors.update(exc.message_dict)
    radius = theme.get("corner_radius")
    if not isinstance(radius, int) or isinstance(radius, bool) or not 0 <= radius <= RADIUS_MAX:
        errors.setdefault("corner_radius", []).append(f"whole pixels from 0 to {RADIUS_MAX}")
    if theme.get("position") not in POSITIONS:
        errors.setdefault("position", []).append(f"one of {', '.join(POSITIONS)}")
    if theme.get("button_order") not in BUTTON_ORDERS:
        errors.setdefault("button_order", []).append(f"one of {', '.join(BUTTON_ORDERS)}")
    if errors:
        raise ValidationError(errors)
    theme_contrast_validate(theme)


def theme_contrast_validate(theme: Mapping[str, Any]) -> None:
    """Refuse the colour pairs of a theme whose colours are each well formed, naming field and ratio."""
    if not all(HEX.fullmatch(str(theme.get(field, ""))) for field in COLOUR_PROPERTIES):
        return  # each malformed colour is refused on its own field
    errors: dict[str, list[str]] = {}
    pairs = [
        ("text_colour", "background_colour"),
        ("button_text", "button_background"),
        ("link_colour", "background_colour"),
    ]
    for foreground, background in pairs:
        try:
            contrast_validate(field=foreground, foreground=theme[foreground], background=theme[background])
        except ValidationError as exc:
            errors.update(exc.message_dict)
    if not theme.get("button_border"):
        ratio = contrast_ratio(theme["button_background"], theme["background_colour"])
        if ratio < NON_TEXT_CONTRAST:
            errors["button_background"] = [
                f"contrast {ratio:.2f}:1 with the background {theme['background_colour']} is below 3:1 "
                "(WCAG 1.4.11); pick a stronger colour or outline the buttons in the text colour"
            ]
    if errors:
        raise ValidationError(errors)


def theme_config(theme: Mapping[str, Any]) -> dict[str, Any] | None:
    """Return what the script applies of a version's theme: custom property values, position, order.

    The values are checked again here, so only a valid theme ever reaches a page (None otherwise), and
    only as values the script sets through the CSSOM, never as CSS or HTML text.
    """
    try:
        theme_validate(theme)
    except ValidationError:
        # Refused at save, so never expected here; a stock banner beats a broken one.
        logger.warning("a version's theme fails its checks; the banner shows the stock look")
        return None
    properties = {name: theme[field].lower() for field, name in COLOUR_PROPERTIES.items()}
    properties["--r"] = f"{theme['corner_radius']}px"
    if theme.get("font_family"):
        properties["--f"] = theme["font_family"]
    # Outlined buttons take the text colour for their border; otherwise it is the button's own colour.
    properties["--bd"] = properties["--fg" if theme.get("button_border") else "--bb"]
    config: dict[str, Any] = {"vars": properties, "position": theme["position"]}
    if theme["button_order"] == "reject-first":
        config["reject_first"] = True
    return config
