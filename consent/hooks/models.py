"""Webhook destinations, the delivery outbox and the log of every attempt."""

from django.db import models
from django.db.models import Q

from consent.models import Site


class EventType(models.TextChoices):
    CONSENT_UPDATED = "consent.updated", "A subject's consent changed"
    CONSENT_EXPIRED = "consent.expired", "A grant ran out of its lifetime"
    SUBJECT_ERASED = "subject.erased", "A subject was erased"
    LEDGER_CHECKPOINT = "ledger.checkpoint", "The site's ledger signed a new checkpoint"
    DSR_RECEIVED = "dsr.received", "A data-subject request was filed"
    DSR_VERIFIED = "dsr.verified", "A data-subject request's identity link was confirmed"
    DSR_EXTENDED = "dsr.extended", "A data-subject request's deadline was extended"
    DSR_FULFILLED = "dsr.fulfilled", "A data-subject request was carried out"
    DSR_REFUSED = "dsr.refused", "A data-subject request was refused"
    DSR_EXPIRED = "dsr.expired", "A data-subject request expired unconfirmed"
    DSR_ERASURE_REQUESTED = "dsr.erasure_requested", "A confirmed request asks to erase a person"
    DSR_OPT_OUT_REQUESTED = "dsr.opt_out_requested", "A confirmed request opts a person out of sale or sharing"
    DSR_OBJECTION = "dsr.objection", "A confirmed request objects to processing"


ALL_EVENT_TYPES = [event_type.value for event_type in EventType]
DSR_EVENT_TYPES = frozenset(event_type.value for event_type in EventType if event_type.value.startswith("dsr."))


class Destination(models.Model):
    """A URL of the customer's that hears about consent changes of one site, signed with its secret."""

    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="destinations")
    name = models.CharField(max_length=100, blank=True)
    url = models.URLField(max_length=500)
    # Needed in clear text to sign; never shown after it was created (the admin and API leave it out).
    secret = models.CharField(max_length=100, editable=False)
    # Secrets replaced by rotations, [{"secret", "expires_at"}]: each keeps signing beside the current one
    # until its own expiry (Standard Webhooks allows several signatures in one header), so receivers can
    # switch without losing a message however many rotations happen within the grace.
    retired_secrets = models.JSONField(default=list, blank=True, editable=False)
    # Empty means every purpose.
    purposes = models.JSONField(default=list, blank=True, help_text='Purpose slugs, e.g. ["marketing"]; empty: all')
    event_types = models.JSONField(default=list, help_text=f"Any of {', '.join(ALL_EVENT_TYPES)}")
    active = models.BooleanField(default=True)
    disabled_reason = models.CharField(max_length=200, blank=True)
    # Start of the current run of failed attempts (none since the last success); five days of it disables.
    failing_since = models.DateTimeField(null=True, blank=True, editable=False)
    # The size of the newest ledger checkpoint this destination was sent (or was created after).
    checkpoint_size = models.BigIntegerField(default=0, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["site", "id"]

    def __str__(self) -> str:
        return self.name or self.url


class Delivery(models.Model):
    """One message to one destination: the outbox row, written in the transaction of the change it tells."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        SENDING = "sending", "Sending"
        DELIVERED = "delivered", "Delivered"
        FAILED = "failed", "Failed"

    destination = models.ForeignKey(Destination, on_delete=models.CASCADE, related_name="deliveries")
    # The webhook-id header: stable across attempts and replays, so receivers dedupe on it.
    message_id = models.CharField(max_length=40, unique=True)
    event_type = models.CharField(max_length=32, choices=EventType.choices)
    # The exact bytes that are signed and sent, kept so every attempt sends the same message; once
    # delivered (or its subject erased) only what names no one is kept (redacted_at says when).
    body = models.TextField()
    sequence = models.BigIntegerField(default=0)
    # The subject's sequence key (outbox.subject_sequence_key), so erasure finds the messages about them;
    # emptied once the body is redacted.
    subject_key = models.CharField(max_length=64, blank=True, editable=False)
    redacted_at = models.DateTimeField(null=True, blank=True, editable=False)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField()
    # A worker owns a SENDING row until claimed_until; past it, the sweep hands the row to another.
    claim = models.CharField(max_length=32, blank=True)
    claimed_until = models.DateTimeField(null=True, blank=True)
    # When a task for this row was last sent to the broker (for a countdown: when it falls due); the
    # sweep sends another only when that one is presumably lost, never one per sweep while it is queued.
    enqueued_at = models.DateTimeField(null=True, blank=True)
    last_status_code = models.PositiveIntegerField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name_plural = "deliveries"
        ordering = ["-id"]
        indexes = [
            # The sweep: "pending rows due before now" and "sending rows whose claim ran out".
            models.Index(
                fields=["next_attempt_at"],
                name="hooks_delivery_due_idx",
                condition=Q(status="pending"),
            ),
            models.Index(
                fields=["claimed_until"],
                name="hooks_delivery_claimed_idx",
                condition=Q(status="sending"),
            ),
            # A destination's delivery log, newest first, optionally by status (admin, API).
            models.Index(fields=["destination", "status", "-id"], name="hooks_delivery_dest_idx"),
            # Erasure: "the messages about this subject that still name them".
            models.Index(fields=["subject_key"], name="hooks_delivery_subject_idx", condition=~Q(subject_key="")),
        ]

    def __str__(self) -> str:
        return f"{self.event_type} {self.message_id} → {self.destination_id}"


class Attempt(models.Model):
    """One try at sending a delivery: when, how long, what came back."""

    delivery = models.ForeignKey(Delivery, on_delete=models.CASCADE, related_name="attempt_rows")
    number = models.PositiveIntegerField()
    started_at = models.DateTimeField()
    latency_ms = models.PositiveIntegerField()
    status_code = models.PositiveIntegerField(null=True, blank=True)
    error = models.CharField(max_length=500, blank=True)
    response_body = models.CharField(max_length=1000, blank=True)

    class Meta:
        ordering = ["delivery", "number"]
        indexes = [models.Index(fields=["delivery", "number"], name="hooks_attempt_delivery_idx")]

    def __str__(self) -> str:
        return f"attempt {self.number} of {self.delivery_id}"


class SubjectSequence(models.Model):
    """The last sequence number given to a subject's messages; receivers keep the highest they saw.

    Kept through erasure, so a person who comes back continues above the numbers receivers hold.
    """

    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="+")
    # A keyed hash of the id the customer knows (outbox.subject_sequence_key): the same for a returning
    # person, yet neither their id nor their ledger key, so it leads nowhere once they are erased.
    subject_key = models.CharField(max_length=64)
    value = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["site", "subject_key"], name="hooks_sequence_subject_uniq"),
        ]

    def __str__(self) -> str:
        return f"{self.site_id}/{self.subject_key}: {self.value}"
