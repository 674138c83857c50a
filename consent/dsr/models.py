"""Data-subject requests, their one-time identity links, and the 30-day access log.

Writes go through consent.dsr.services; nothing here has side effects in save() or delete().
"""

import uuid

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from consent.models import Site


class Right(models.TextChoices):
    """The rights a person may exercise (GDPR Art. 15-21, US state laws)."""

    ACCESS = "access", _("Access")
    RECTIFICATION = "rectification", _("Rectification")
    ERASURE = "erasure", _("Erasure")
    RESTRICTION = "restriction", _("Restriction of processing")
    PORTABILITY = "portability", _("Data portability")
    OBJECTION = "objection", _("Objection")
    OPT_OUT_SALE_SHARE = "opt_out_sale_share", _("Opt out of sale or sharing")
    NON_DISCRIMINATION = "non_discrimination", _("Non-discrimination")


class Jurisdiction(models.TextChoices):
    EU = "eu", _("European Union")
    UK = "uk", _("United Kingdom")
    US = "us", _("United States")
    JP = "jp", _("Japan")
    OTHER = "other", _("Elsewhere")


class Status(models.TextChoices):
    RECEIVED = "received", "Received"
    VERIFIED = "verified", "Verified"
    IN_PROGRESS = "in_progress", "In progress"
    FULFILLED = "fulfilled", "Fulfilled"
    REFUSED = "refused", "Refused"
    EXPIRED = "expired", "Expired"


OPEN_STATUSES = (Status.RECEIVED, Status.VERIFIED, Status.IN_PROGRESS)
CLOSED_STATUSES = (Status.FULFILLED, Status.REFUSED, Status.EXPIRED)


class ProofStatus(models.TextChoices):
    NONE = "none", "No agent"
    PENDING = "pending", "Waiting for the operator"
    ACCEPTED = "accepted", "Accepted"
    REJECTED = "rejected", "Rejected"


class DataSubjectRequest(models.Model):
    """One request; its personal fields are wiped when it expires unverified, the rest stays as a count."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="data_subject_requests")
    right = models.CharField(max_length=32, choices=Right.choices)
    jurisdiction = models.CharField(max_length=8, choices=Jurisdiction.choices)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.RECEIVED)
    # The slug of the site's regulation whose clock the request runs on; empty: the jurisdiction's table.
    regulation = models.CharField(max_length=16, blank=True, editable=False)
    locale = models.CharField(max_length=16, default="en")
    # Personal fields: blank once an unverified request expires.
    email = models.EmailField(max_length=254, blank=True)
    customer_id = models.CharField(
        max_length=128, blank=True, help_text="The id the site knows the person by (their account id)"
    )
    details = models.TextField(max_length=4000, blank=True)
    agent_name = models.CharField(max_length=200, blank=True)
    agent_email = models.EmailField(max_length=254, blank=True)
    # A random file name under VAR_DIR/dsr/proofs, never a path the requester chose.
    proof_file = models.CharField(max_length=64, blank=True, editable=False)
    proof_content_type = models.CharField(max_length=32, blank=True, editable=False)
    proof_status = models.CharField(max_length=16, choices=ProofStatus.choices, default=ProofStatus.NONE)
    # SHA-256 of the one-time identity link's secret; the secret itself is only in the e-mail.
    token_hash = models.CharField(max_length=64, blank=True, editable=False)
    token_expires_at = models.DateTimeField(null=True, blank=True, editable=False)
    # Clocks.
    received_at = models.DateTimeField()
    verified_at = models.DateTimeField(null=True, blank=True)
    due_at = models.DateTimeField()
    extended_at = models.DateTimeField(null=True, blank=True)
    extension_reason = models.TextField(max_length=2000, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    refusal_reason = models.TextField(max_length=2000, blank=True)
    # The export of an access or portability request: a random directory name under VAR_DIR/dsr/exports.
    export_dir = models.CharField(max_length=64, blank=True, editable=False)

    class Meta:
        verbose_name = "data-subject request"
        ordering = ["due_at"]
        indexes = [
            # Serves the operator queue and the due-soon mail: open requests of a site by due date.
            models.Index(fields=["site", "status", "due_at"], name="dsr_site_status_due_idx"),
            # Serves the expiry sweep: unverified requests whose link has lapsed.
            models.Index(
                fields=["token_expires_at"], condition=Q(status="received"), name="dsr_received_token_expiry_idx"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_right_display()} request {str(self.id)[:8]}"

    @property
    def is_agent(self) -> bool:
        return bool(self.agent_name or self.agent_email or self.proof_file)


class AccessLogEntry(models.Model):
    """Who read or changed whose personal data, when and from where; kept ASSENT_ACCESS_LOG_DAYS."""

    site = models.ForeignKey(Site, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    actor = models.CharField(max_length=200)
    action = models.CharField(max_length=64)
    subject_ref = models.CharField(max_length=200, blank=True)
    ip = models.GenericIPAddressField(null=True, blank=True)
    recorded_at = models.DateTimeField()

    class Meta:
        verbose_name = "access log entry"
        verbose_name_plural = "access log"
        ordering = ["-recorded_at"]
        indexes = [
            # Serves the API's listing: one site's entries, newest first.
            models.Index(fields=["site", "-recorded_at"], name="dsr_access_site_time_idx"),
            # Serves the purge: everything older than the retention period.
            models.Index(fields=["recorded_at"], name="dsr_access_time_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.actor} {self.action} {self.subject_ref}"
