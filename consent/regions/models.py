"""Regulations: which consent model applies to visitors from which regions of a site.

A site's regulations are published into its banner versions, so the content hash an event records
proves the exact rule a visitor was shown, and the event names which of them applied.
"""

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q

from consent.models import LOCALE_VALIDATOR, SLUG_VALIDATOR, Site
from consent.regions.codes import region_code_check


def _regions_validate(value: object) -> None:
    if not isinstance(value, list) or not all(isinstance(code, str) for code in value):
        raise ValidationError('a list of region codes, e.g. ["EEA", "GB", "US-CA"]')
    for code in value:
        try:
            region_code_check(code)
        except ValueError as error:
            raise ValidationError(str(error)) from None


def _slugs_validate(value: object) -> None:
    if not isinstance(value, list) or not all(isinstance(slug, str) for slug in value):
        raise ValidationError('a list of purpose slugs, e.g. ["advertising"]')


class Regulation(models.Model):
    class ConsentModel(models.TextChoices):
        # Nothing non-essential before a choice (GDPR, UK GDPR, Swiss FADP).
        OPT_IN = "opt_in", "Opt-in"
        # On by default; the visitor may opt out of sale/share and targeted advertising (US state laws).
        OPT_OUT = "opt_out", "Opt-out"
        # Inform only; purposes listed as opt-in still ask first (Japan's APPI).
        NOTICE = "notice", "Notice"

    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="regulations")
    # Recorded as the jurisdiction of every choice made under it, which holds 16 characters.
    slug = models.CharField(max_length=16, validators=[SLUG_VALIDATOR], help_text="Recorded with every choice")
    name = models.CharField(max_length=200)
    model = models.CharField(max_length=16, choices=ConsentModel.choices, default=ConsentModel.OPT_IN)
    regions = models.JSONField(
        default=list, blank=True, validators=[_regions_validate], help_text='e.g. ["EEA", "GB", "CH"] or ["US-CA"]'
    )
    is_default = models.BooleanField(default=False, help_text="Applies to visitors whose region is unknown or unlisted")
    opt_in_purposes = models.JSONField(
        default=list,
        blank=True,
        validators=[_slugs_validate],
        help_text="Purposes that still need a prior yes under an opt-out or notice model (sensitive data, "
        "third-party provision under APPI)",
    )
    gpc_binds = models.BooleanField(default=False, help_text="Global Privacy Control opts out of sale/share")
    gpp_sections = models.JSONField(
        default=list, blank=True, validators=[_slugs_validate], help_text='IAB GPP sections, e.g. ["usnat", "usca"]'
    )
    response_days = models.PositiveIntegerField(default=30, help_text="Days to answer a data-subject request")
    extension_days = models.PositiveIntegerField(default=30, help_text="Days one extension adds")
    order = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["site", "order", "slug"]
        constraints = [
            # The slug is what the ledger records; serves "the regulation of this event".
            models.UniqueConstraint(fields=["site", "slug"], name="regulation_site_slug_unique"),
            # At most one fallback per site; serves "the rule for a visitor from nowhere we know".
            models.UniqueConstraint(fields=["site"], condition=Q(is_default=True), name="regulation_site_one_default"),
        ]

    def __str__(self) -> str:
        return f"{self.site.key}:{self.slug}"


class RegulationText(models.Model):
    """The words only this regulation needs, in one locale (the banner's own texts cover the rest)."""

    regulation = models.ForeignKey(Regulation, on_delete=models.CASCADE, related_name="texts")
    locale = models.CharField(max_length=16, validators=[LOCALE_VALIDATOR])
    notice_title = models.CharField(max_length=200, blank=True)
    notice_body = models.TextField(max_length=4000, blank=True)
    choices_link = models.CharField(
        max_length=120, blank=True, help_text='The opt-out link, e.g. "Your Privacy Choices"'
    )
    opt_out_label = models.CharField(
        max_length=120, blank=True, help_text='e.g. "Do Not Sell or Share My Personal Information"'
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["regulation", "locale"], name="regulation_text_locale_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.regulation} [{self.locale}]"
