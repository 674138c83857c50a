"""What an erasure leaves behind: when it happened and until when the pseudonymous proof is kept.

Nothing here names the person: no external id, no pseudonym, no keyed hash.
"""

from django.db import models

from consent.models import Site


class Erasure(models.Model):
    """One carried-out erasure request; the ledger's `erased` receipt is the proof that it happened."""

    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="erasures")
    receipt_id = models.UUIDField(
        null=True, help_text="The receipt of the ledger's erased event (none: nothing was decided)"
    )
    source = models.CharField(max_length=32, help_text="Who asked: account_settings (the person) or api")
    subjects = models.PositiveIntegerField(help_text="Subject rows deleted (the user and their linked devices)")
    evidence_rows = models.PositiveIntegerField(help_text="Evidence rows deleted from the ledger's side table")
    erased_at = models.DateTimeField()
    # Art. 17(3)(e): the pseudonymous events stay provable for the site's retention period.
    retain_until = models.DateTimeField()

    class Meta:
        ordering = ["-erased_at"]
        indexes = [
            # Serves the operator's list of a site's erasures, newest first.
            models.Index(fields=["site", "-erased_at"], name="accounts_erasure_site_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.site.key} erasure {self.receipt_id}"
