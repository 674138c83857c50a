"""Daily counters of what the banner showed and what visitors chose: nothing personal, no subject."""

from django.db import models

from consent.models import Site


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
