"""What an erasure leaves behind, which logins stand for which customer user, and signed-link sessions.

An Erasure names nobody (no external id, no pseudonym, no keyed hash). A LinkSession names a customer
user and goes with their erasure; a binding is the operator's configuration and stays.
"""

from django.conf import settings
from django.db import models

from consent.models import Site


class Erasure(models.Model):
    """One carried-out erasure request; the ledger's `erased` receipt is the proof that it happened."""

    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="erasures")
    receipt_id = models.UUIDField(
        null=True, help_text="The receipt of the ledger's erased event (none: nothing was decided)"
    )
    source = models.CharField(
        max_length=32, help_text="Who asked: account_settings (the person), api or operator (the admin)"
    )
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


class AccountBinding(models.Model):
    """Which customer user a sign-in of this server stands for, on one site only.

    The hosted pages never guess from a username: an operator's login is nobody's account on a
    site of another organization unless someone bound it here.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="account_bindings")
    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="account_bindings")
    external_id = models.CharField(max_length=128, help_text="The customer's user id this login stands for")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            # One customer user per login per site; serves "which sites does this login open".
            models.UniqueConstraint(fields=["user", "site"], name="accounts_binding_user_site_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.user} as {self.external_id} on {self.site.key}"


class LinkSession(models.Model):
    """A session opened by a customer's signed link, so erasing that person can end it."""

    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="+")
    external_id = models.CharField(max_length=128)
    session_key = models.CharField(max_length=40, unique=True)
    expires_at = models.DateTimeField()

    class Meta:
        indexes = [
            # Serves the erasure's "every session of this user on this site".
            models.Index(fields=["site", "external_id"], name="accounts_linksession_user_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.site.key} session until {self.expires_at}"
