"""The banner's own tables: a site's theme, and daily counters of what it showed and what visitors chose."""

from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, RegexValidator
from django.db import models

from consent.banner.theme import HEX, RADIUS_MAX, font_family_validate, theme_contrast_validate
from consent.models import Site

HEX_VALIDATOR = RegexValidator(HEX, "a colour as #rrggbb")


def font_family_field_validate(value: str) -> None:
    """Refuse a font-family field value that is more than a list of names."""
    try:
        font_family_validate(value)
    except ValidationError as exc:
        raise ValidationError(exc.message_dict["font_family"]) from None


class DailyCount(models.Model):
    """How often one banner version was shown in one locale on one day, and how visitors answered."""

    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="banner_counts")
    day = models.DateField()
    banner_version = models.CharField(max_length=64)
    locale = models.CharField(max_length=16)
    shown = models.PositiveBigIntegerField(default=0)
    accept_all = models.PositiveBigIntegerField(default=0)
    reject_all = models.PositiveBigIntegerField(default=0)
    custom = models.PositiveBigIntegerField(default=0)
    other = models.PositiveBigIntegerField(default=0, help_text="GPC, withdrawals, account settings")

    class Meta:
        ordering = ["-day", "site", "locale"]
        constraints = [
            # One counter row per (site, day, version, locale); serves the increment's lookup.
            models.UniqueConstraint(
                fields=["site", "day", "banner_version", "locale"], name="banner_daily_count_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.site.key} {self.day} {self.locale} {self.banner_version[:8]}"


class BannerTheme(models.Model):
    """How a site's banner looks: colours, font, corners, where it sits and which choice comes first.

    One style serves Accept and Reject alike (no per-button colour, nothing that hides or shrinks one):
    the order only swaps them. A published version freezes the theme with its texts.
    """

    class Position(models.TextChoices):
        BAR_BOTTOM = "bar-bottom", "Bar along the bottom"
        BAR_TOP = "bar-top", "Bar along the top"
        BOX_LEFT = "box-left", "Box in the bottom left corner"
        BOX_RIGHT = "box-right", "Box in the bottom right corner"
        MODAL = "modal", "Box in the centre"

    class ButtonOrder(models.TextChoices):
        ACCEPT_FIRST = "accept-first", "Accept, then Reject"
        REJECT_FIRST = "reject-first", "Reject, then Accept"

    site = models.OneToOneField(Site, on_delete=models.CASCADE, related_name="banner_theme")
    text_colour = models.CharField(max_length=7, default="#1a1a1a", validators=[HEX_VALIDATOR])
    background_colour = models.CharField(max_length=7, default="#ffffff", validators=[HEX_VALIDATOR])
    button_background = models.CharField(
        max_length=7, default="#1d4ed8", validators=[HEX_VALIDATOR], help_text="Accept and Reject alike"
    )
    button_text = models.CharField(max_length=7, default="#ffffff", validators=[HEX_VALIDATOR])
    button_border = models.BooleanField(
        default=False,
        help_text="Outline both buttons in the text colour (then the button colour may be close to the background)",
    )
    link_colour = models.CharField(max_length=7, default="#1d4ed8", validators=[HEX_VALIDATOR])
    font_family = models.CharField(
        max_length=200,
        blank=True,
        validators=[font_family_field_validate],
        help_text="A list of font names; empty keeps the banner's system font",
    )
    corner_radius = models.PositiveSmallIntegerField(
        default=6, validators=[MaxValueValidator(RADIUS_MAX)], help_text=f"0 to {RADIUS_MAX} px"
    )
    position = models.CharField(max_length=16, choices=Position.choices, default=Position.BAR_BOTTOM)
    button_order = models.CharField(max_length=16, choices=ButtonOrder.choices, default=ButtonOrder.ACCEPT_FIRST)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"theme of {self.site.key}" if self.site_id else "theme"

    def clean(self) -> None:
        # The field validators refuse malformed values; this checks the colours against each other.
        theme_contrast_validate(self.content())

    def content(self) -> dict[str, Any]:
        """Return the theme as a banner version freezes it (colours in lower case)."""
        return {
            "text_colour": self.text_colour.lower(),
            "background_colour": self.background_colour.lower(),
            "button_background": self.button_background.lower(),
            "button_text": self.button_text.lower(),
            "button_border": self.button_border,
            "link_colour": self.link_colour.lower(),
            "font_family": self.font_family,
            "corner_radius": self.corner_radius,
            "position": self.position,
            "button_order": self.button_order,
        }
