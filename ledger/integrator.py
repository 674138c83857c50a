"""The integrator: moves committed events into their site's Merkle log and signs checkpoints.

One integrator works on a site at a time: PostgreSQL hands out a transaction-scoped advisory lock
per site, and SQLite allows one writer (its transactions begin IMMEDIATE). Events are found by
*having no leaf yet* (the PendingLeaf queue written with them), never by id: transactions commit out
of id order, and an id cursor would skip an event that commits late.
"""

import logging
from datetime import timedelta
from hashlib import sha256
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import OuterRef, Subquery
from django.utils import timezone

from ledger import merkle
from ledger.errors import LedgerIntegrityError
from ledger.keys import signing_key, verification_keys
from ledger.logs import log_find
from ledger.models import Checkpoint, Leaf, Log, Node, PendingLeaf
from ledger.notes import Checkpoint as CheckpointText
from ledger.notes import checkpoint_parse, key_id, note_open, note_sign
from ledger.rows import Insert, rows_insert
from ledger.tree import consistency_proof, frontier, root_at, tree_size

logger = logging.getLogger(__name__)

BATCH_SIZE = 20_000
# Gives the first waiting events, in id order, the leaves after the last one, in the database: their
# ids and hashes never travel to Python and back. Returns each new leaf's index and hash.
_LEAVES_ADD = """
    INSERT INTO ledger_leaf (event_id, log_id, "index", hash)
    SELECT event_id, log_id, %s + row_number() OVER (ORDER BY event_id) - 1, leaf_hash
    FROM (SELECT event_id, log_id, leaf_hash FROM ledger_pendingleaf WHERE log_id = %s ORDER BY event_id LIMIT %s) batch
    RETURNING "index", hash
"""
# Removes from the queue exactly the events this batch gave leaves to (not every id below some bound:
# a smaller id may have committed meanwhile and still be waiting).
_PENDING_DONE = """
    DELETE FROM ledger_pendingleaf
    WHERE event_id IN (SELECT event_id FROM ledger_leaf WHERE log_id = %s AND "index" >= %s)
"""


def _lock_key(site: str) -> int:
    """Return the 64-bit advisory lock key of a site's log."""
    return int.from_bytes(sha256(b"ledger.log " + site.encode()).digest()[:8], "big", signed=True)


def _lock(log: Log, *, wait: bool) -> bool:
    """Take the site's integrator lock for the current transaction; return False when busy and not waiting."""
    if connection.vendor != "postgresql":
        return True
    with connection.cursor() as cursor:
        if wait:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_lock_key(log.site)])
            return True
        cursor.execute("SELECT pg_try_advisory_xact_lock(%s)", [_lock_key(log.site)])
        row = cursor.fetchone()
    return bool(row and row[0])


def _batch_integrate(log: Log) -> int | None:
    """Append one batch of waiting events as leaves; return how many, or None when another integrator holds the log."""
    with transaction.atomic():
        if not _lock(log, wait=False):
            return None
        size = tree_size(log.id)
        with connection.cursor() as cursor:
            cursor.execute(_LEAVES_ADD, [size, log.id, BATCH_SIZE])
            added = cursor.fetchall()
        if not added:
            return 0
        # RETURNING promises no order: put each hash at its place.
        hashes: list[bytes] = [b""] * len(added)
        for index, digest in added:
            hashes[index - size] = bytes(digest)
        builder = merkle.TreeBuilder(size, frontier(log.id, size))
        nodes: list[tuple[Any, ...]] = []

        def node_keep(level: int, index: int, digest: bytes) -> None:
            nodes.append((log.id, level, index, digest))

        for digest in hashes:
            builder.append(digest, node_keep)
        rows_insert(Insert(Node, ("log", "level", "index", "hash"), nodes))
        with connection.cursor() as cursor:
            cursor.execute(_PENDING_DONE, [log.id, size])
        return len(added)


def log_integrate(*, site: str, checkpoint_force: bool = False) -> int:
    """Integrate every waiting event of a site, then sign a checkpoint if due; return leaves added."""
    log = log_find(site)
    if log is None:
        return 0
    total = 0
    while True:
        added = _batch_integrate(log)
        if added is None:
            break
        total += added
        if added < BATCH_SIZE:
            break
    checkpoint_sign(site=site, force=checkpoint_force)
    return total


def checkpoint_sign(*, site: str, force: bool = False) -> Checkpoint | None:
    """Sign a checkpoint of the whole log when it grew and the interval passed (or when forced)."""
    log = log_find(site)
    if log is None:
        return None
    with transaction.atomic():
        if not _lock(log, wait=force):
            return None
        size = tree_size(log.id)
        latest = Checkpoint.objects.filter(log=log).order_by("-size").first()
        if size == 0 or (latest is not None and latest.size == size):
            return None
        if latest is not None and latest.size > size:
            raise LedgerIntegrityError(f"site {site}: checkpoint {latest.size} is larger than the log ({size})")
        interval = timedelta(seconds=settings.LEDGER_CHECKPOINT_INTERVAL)
        if not force and latest is not None and timezone.now() - latest.signed_at < interval:
            return None
        root = root_at(log.id, size)
        if latest is not None:
            _consistency_check(log, latest, size, root)
        key = signing_key()
        note = note_sign(CheckpointText(origin=log.origin, size=size, root=root).body(), key)
        return Checkpoint.objects.create(
            log=log,
            size=size,
            root=root,
            note=note,
            key_id=key_id(key.public_key()).hex(),
            signed_at=timezone.now(),
        )


def _consistency_check(log: Log, latest: Checkpoint, size: int, root: bytes) -> None:
    """Refuse to sign unless the tree of `size` leaves provably extends the latest signed checkpoint."""
    body, _ = note_open(latest.note, verification_keys())
    signed = checkpoint_parse(body)
    if signed.origin != log.origin or signed.size != latest.size:
        raise LedgerIntegrityError(f"site {log.site}: checkpoint {latest.size} does not state what its row says")
    proof = consistency_proof(log.id, signed.size, size)
    if not merkle.verify_consistency(signed.size, size, signed.root, root, proof):
        logger.error("site %s: the log of size %d is not consistent with checkpoint %d", log.site, size, signed.size)
        raise LedgerIntegrityError(
            f"site {log.site}: the log of size {size} is inconsistent with checkpoint {signed.size}"
        )


def log_integrate_all() -> dict[str, int]:
    """Integrate every site with waiting events, then sign every checkpoint that is due; return leaves per site."""
    added: dict[str, int] = {}
    waiting = PendingLeaf.objects.values_list("log_id", flat=True).distinct()
    for log in Log.objects.filter(id__in=list(waiting)):
        added[log.site] = log_integrate(site=log.site)
    last_leaf = Leaf.objects.filter(log=OuterRef("pk")).order_by("-index").values("index")[:1]
    last_signed = Checkpoint.objects.filter(log=OuterRef("pk")).order_by("-size").values("size")[:1]
    for site, leaf, signed in Log.objects.annotate(leaf=Subquery(last_leaf), signed=Subquery(last_signed)).values_list(
        "site", "leaf", "signed"
    ):
        if leaf is not None and (signed is None or signed < leaf + 1):
            checkpoint_sign(site=site)
    return added
