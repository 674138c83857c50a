"""The banner's theme checks: WCAG contrast of colour pairs and safe CSS values, computed on the server."""

import re

from django.core.exceptions import ValidationError

HEX = re.compile(r"#[0-9a-fA-F]{6}")
FONT_FAMILY = re.compile(r"[A-Za-z0-9 ,'\"-]{1,200}")
AA_CONTRAST = 4.5


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
