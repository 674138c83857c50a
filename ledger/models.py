"""The ledger's tables: per-site logs, events, the Merkle log (leaves, nodes, checkpoints) and projections.

Events, leaves, nodes and checkpoints are append-only three times over: these models refuse to change
or delete a stored row, database triggers (migration 0002) refuse UPDATE, DELETE and TRUNCATE, and the
admin is read-only. The queue of events awaiting the log, the current-state projection and the
evidence are ordinary tables: each can be rebuilt from, or is deliberately outside of, the log.
"""

from typing import Any, ClassVar, NoReturn

from django.db import models
from django.db.models import Q


class AppendOnlyError(RuntimeError):
    """Something tried to change or delete a row of an append-only table."""


class AppendOnlyQuerySet(models.QuerySet[Any]):
    """A queryset that can read and insert but never update or delete."""

    def update(self, **kwargs: Any) -> NoReturn:
        """Refuse: stored ledger rows never change."""
        raise AppendOnlyError(f"{self.model.__name__} rows are append-only and cannot be updated")

    def delete(self) -> NoReturn:
        """Refuse: stored ledger rows are never removed."""
        raise AppendOnlyError(f"{self.model.__name__} rows are append-only and cannot be deleted")


class AppendOnlyModel(models.Model):
    """A model whose rows are written once."""

    objects: ClassVar[AppendOnlyQuerySet] = AppendOnlyQuerySet.as_manager()  # type: ignore[assignment]

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        """Insert a new row; refuse to save one that is already stored."""
        if not self._state.adding:
            raise AppendOnlyError(f"{type(self).__name__} rows are append-only and cannot be changed")
        kwargs["force_insert"] = True
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> NoReturn:
        """Refuse: stored ledger rows are never removed."""
        raise AppendOnlyError(f"{type(self).__name__} rows are append-only and cannot be deleted")


# Every table's reference to Log is a plain column: no index of its own, because each table has a named
# composite index starting with log that serves the same lookups, and no database constraint, because
# PostgreSQL checks one by taking a KEY SHARE lock on the site's single log row, so every append of a
# site would queue on that row at commit. Logs are never deleted (PROTECT), so nothing can dangle.


class Log(models.Model):
    """One Merkle log per site: its origin line and the secret its subject keys are made with."""

    site = models.CharField(max_length=64, unique=True)
    origin = models.CharField(max_length=128, unique=True)
    # HMAC key for subject ids: the ledger never sees a raw id, only HMAC(secret, pseudonym).
    subject_secret = models.BinaryField(max_length=32, editable=False)
    created_at = models.DateTimeField()

    def __str__(self) -> str:
        return self.origin


class Event(AppendOnlyModel):
    """One purpose decision of one choice; every column is committed to by the event's leaf hash."""

    id = models.UUIDField(primary_key=True)  # UUIDv7: time-ordered
    log = models.ForeignKey(Log, on_delete=models.PROTECT, related_name="+", db_index=False, db_constraint=False)
    subject_key = models.CharField(max_length=64)
    purpose = models.CharField(max_length=64)
    granted = models.BooleanField()
    kind = models.CharField(max_length=16)
    source = models.CharField(max_length=32)
    method = models.CharField(max_length=32, blank=True)
    banner_version = models.CharField(max_length=64, blank=True)
    jurisdiction = models.CharField(max_length=16, blank=True)
    locale = models.CharField(max_length=16, blank=True)
    occurred_at = models.DateTimeField()
    recorded_at = models.DateTimeField()
    expires_at = models.DateTimeField(null=True)
    receipt_id = models.UUIDField()
    evidence_hash = models.CharField(max_length=64, blank=True)
    # The key the choice was sent with, on its first event only (NULL when absent). What a key may
    # answer for is decided by IdempotencyKey, which scopes it; this column only records it.
    idempotency_key = models.CharField(max_length=128, null=True)  # noqa: DJ001

    class Meta:
        indexes = [
            # Serves subject_events (newest first), subject_state_at and rebuild_state: one subject's history.
            models.Index(fields=["log", "subject_key", "id"], name="ledger_event_subject_idx"),
        ]

    def __str__(self) -> str:
        return str(self.id)


class IdempotencyKey(models.Model):
    """The idempotency key one choice was written under, scoped to its subject and channel.

    Not part of the log: it holds the fingerprint of the request (the canonical hash of what it
    asked), so the same key with another body is refused instead of answered with this receipt.
    """

    receipt_id = models.UUIDField(primary_key=True)
    log = models.ForeignKey(Log, on_delete=models.PROTECT, related_name="+", db_index=False, db_constraint=False)
    subject_key = models.CharField(max_length=64)
    channel = models.CharField(max_length=16)
    idempotency_key = models.CharField(max_length=128)
    fingerprint = models.CharField(max_length=64)
    created_at = models.DateTimeField()

    class Meta:
        constraints = [
            # Serves the replay lookup and makes a second choice under a key in the same scope fail.
            models.UniqueConstraint(
                fields=["log", "subject_key", "channel", "idempotency_key"], name="ledger_idempotency_scope_uniq"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.channel} key {self.idempotency_key}"


class PendingLeaf(models.Model):
    """An event committed but not yet in its site's log: the integrator's work queue.

    Written in the append's transaction and deleted in the integrator's, so it holds exactly the
    events without a leaf, whatever order their transactions committed in.
    """

    event = models.OneToOneField(Event, on_delete=models.PROTECT, primary_key=True, related_name="+")
    log = models.ForeignKey(Log, on_delete=models.PROTECT, related_name="+", db_index=False, db_constraint=False)
    leaf_hash = models.BinaryField(max_length=32)

    # No index beyond the primary key: the queue only holds what the integrator has not reached
    # yet, so its queries (one site's rows in id order, the sites with rows) scan a handful of rows.

    def __str__(self) -> str:
        return f"{self.event_id} waiting"


class Leaf(AppendOnlyModel):
    """An event's place in its site's log."""

    # No database constraint to the event: PostgreSQL checks one by locking each event row (FOR KEY
    # SHARE) at the integrator's commit, which cost more than the rest of integrating a batch. The
    # leaf's event comes from the queue, whose own constraint guarantees it exists; events are never
    # deleted; and full verification joins every leaf to its event, so a leaf without one fails it.
    event = models.OneToOneField(
        Event, on_delete=models.PROTECT, primary_key=True, related_name="leaf", db_constraint=False
    )
    log = models.ForeignKey(Log, on_delete=models.PROTECT, related_name="+", db_index=False, db_constraint=False)
    index = models.BigIntegerField()
    hash = models.BinaryField(max_length=32)

    class Meta:
        constraints = [
            # Serves events_feed, proofs and verification (leaves in log order) and keeps indices unique.
            models.UniqueConstraint(fields=["log", "index"], name="ledger_leaf_log_index_uniq"),
        ]

    def __str__(self) -> str:
        return f"leaf {self.index} of log {self.log_id}"


class Node(AppendOnlyModel):
    """The hash of a complete subtree of 2**level leaves, written once when its last leaf arrives."""

    id = models.BigAutoField(primary_key=True)
    log = models.ForeignKey(Log, on_delete=models.PROTECT, related_name="+", db_index=False, db_constraint=False)
    level = models.PositiveSmallIntegerField()
    index = models.BigIntegerField()
    hash = models.BinaryField(max_length=32)

    class Meta:
        constraints = [
            # Serves proofs and roots (a handful of (level, index) lookups) and keeps each subtree single.
            models.UniqueConstraint(fields=["log", "level", "index"], name="ledger_node_position_uniq"),
        ]

    def __str__(self) -> str:
        return f"subtree ({self.level}, {self.index}) of log {self.log_id}"


class Checkpoint(AppendOnlyModel):
    """A signed statement of a log's size and root hash (a C2SP signed note)."""

    id = models.BigAutoField(primary_key=True)
    log = models.ForeignKey(Log, on_delete=models.PROTECT, related_name="+", db_index=False, db_constraint=False)
    size = models.BigIntegerField()
    root = models.BinaryField(max_length=32)
    note = models.TextField()
    key_id = models.CharField(max_length=8)
    signed_at = models.DateTimeField()

    class Meta:
        constraints = [
            # Serves checkpoint_latest and proofs (latest by size) and refuses two checkpoints of one size.
            models.UniqueConstraint(fields=["log", "size"], name="ledger_checkpoint_size_uniq"),
        ]

    def __str__(self) -> str:
        return f"checkpoint {self.size} of log {self.log_id}"


class State(models.Model):
    """The current decision of one subject for one purpose: a projection of the events."""

    id = models.BigAutoField(primary_key=True)
    log = models.ForeignKey(Log, on_delete=models.PROTECT, related_name="+", db_index=False, db_constraint=False)
    subject_key = models.CharField(max_length=64)
    purpose = models.CharField(max_length=64)
    granted = models.BooleanField()
    kind = models.CharField(max_length=16)
    source = models.CharField(max_length=32)
    since = models.DateTimeField()
    expires_at = models.DateTimeField(null=True)
    event_id = models.UUIDField()
    receipt_id = models.UUIDField()

    class Meta:
        constraints = [
            # Serves subject_state and the append's row lock; one row per (site, subject, purpose).
            models.UniqueConstraint(fields=["log", "subject_key", "purpose"], name="ledger_state_subject_uniq"),
        ]
        indexes = [
            # Serves audience: one purpose's granted (or denied) subjects, keyset-paginated by subject key.
            models.Index(fields=["log", "purpose", "granted", "subject_key"], name="ledger_state_audience_idx"),
            # Serves states_due_for_expiry: granted rows whose expires_at has passed.
            models.Index(
                fields=["expires_at"],
                condition=Q(granted=True, expires_at__isnull=False),
                name="ledger_state_expiry_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.subject_key} {self.purpose}={self.granted}"


class Evidence(models.Model):
    """Personal evidence of one choice (truncated IP, user agent, page URL); deletable, never in the log.

    The choice's events commit to SHA-256(salt || canonical JSON), so deleting this row never breaks
    a hash, and the random salt keeps the hash from confirming a guess once the row is gone.
    """

    receipt_id = models.UUIDField(primary_key=True)
    log = models.ForeignKey(Log, on_delete=models.PROTECT, related_name="+", db_index=False, db_constraint=False)
    subject_key = models.CharField(max_length=64)
    salt = models.BinaryField(max_length=16)
    data = models.JSONField()
    created_at = models.DateTimeField()

    class Meta:
        indexes = [
            # Serves evidence_erase: every evidence row of one subject.
            models.Index(fields=["log", "subject_key"], name="ledger_evidence_subject_idx"),
        ]

    def __str__(self) -> str:
        return f"evidence of receipt {self.receipt_id}"
