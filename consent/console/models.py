"""Rollups the dashboard reads: daily figures folded from the integrated log, and ledger check results.

The dashboard never scans the event log: a beat task (consent.console.tasks) folds new leaves into
these tables, so a page costs the same whether a site has a thousand choices or a billion.
"""

from django.db import models

from consent.models import Site


class FoldCursor(models.Model):
    """How far a site's log has been folded into the rollups."""

    site = models.OneToOneField(Site, on_delete=models.CASCADE, primary_key=True, related_name="+")
    # Leaf indices, unlike event ids, are handed out by one integrator at a time: everything at or
    # below this index has been seen, whatever order the appends committed in.
    leaf_index = models.BigIntegerField(default=-1)
    # Receipts seen in the last batch: a choice's events can straddle two batches, and a choice
    # counts once.
    open_receipts = models.JSONField(default=list)
    folded_at = models.DateTimeField(null=True)

    def __str__(self) -> str:
        return f"{self.site_id} folded to leaf {self.leaf_index}"


class DailyChoices(models.Model):
    """Choices recorded on one day (UTC), by how they were made; one choice however many purposes."""

    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    accept_all = models.PositiveBigIntegerField(default=0)
    reject_all = models.PositiveBigIntegerField(default=0)
    custom = models.PositiveBigIntegerField(default=0)
    gpc = models.PositiveBigIntegerField(default=0)
    other = models.PositiveBigIntegerField(default=0, help_text="API, account settings, withdrawals, expiry, ...")

    class Meta:
        constraints = [
            # One row per site and day; serves the fold's upsert and the funnel's range read.
            models.UniqueConstraint(fields=["site", "day"], name="console_daily_choices_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.site_id} {self.day}"


class DailyPurpose(models.Model):
    """Per purpose and day (UTC): decisions recorded by kind, and the share granting that day."""

    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    purpose = models.CharField(max_length=64)
    opted_in = models.PositiveBigIntegerField(default=0)
    opted_out = models.PositiveBigIntegerField(default=0)
    withdrawn = models.PositiveBigIntegerField(default=0)
    objected = models.PositiveBigIntegerField(default=0)
    expired = models.PositiveBigIntegerField(default=0)
    # From the state projection when the day's last snapshot ran: subjects granting / with a decision.
    # Null until a snapshot ran that day.
    granting = models.PositiveBigIntegerField(null=True)
    decided = models.PositiveBigIntegerField(null=True)

    class Meta:
        constraints = [
            # One row per site, day and purpose; serves the fold's upsert and the purpose chart's range read.
            models.UniqueConstraint(fields=["site", "day", "purpose"], name="console_daily_purpose_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.site_id} {self.day} {self.purpose}"


class LedgerCheck(models.Model):
    """The result of one verification of a site's log (the daily beat task, or verify_ledger's checks)."""

    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="+")
    checked_at = models.DateTimeField()
    ok = models.BooleanField()
    size = models.PositiveBigIntegerField(default=0)
    checkpoints = models.PositiveIntegerField(default=0)
    message = models.CharField(max_length=500, blank=True)

    class Meta:
        indexes = [
            # Serves "the latest check of this site" on the dashboard.
            models.Index(fields=["site", "-checked_at"], name="console_ledger_check_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.site_id} {'ok' if self.ok else 'failed'} at {self.checked_at:%Y-%m-%d %H:%M}"
