"""Load many choices fast for the read benches: PostgreSQL COPY of rows the ledger itself encodes.

Each choice becomes exactly the rows the append path writes (a subject mapping, one event per
purpose with its queued leaf hash, one state row per purpose), built with the ledger's own functions
(`key_of`, `uuid7s`, `event_text_bytes`, `merkle.leaf_hash`, `rows_insert`); the ledger's
integrator then gives them leaves and signs a checkpoint, so `verify_ledger` checks the result like
any other log. No evidence and no webhooks: the read benches need neither.
"""

import gc
import multiprocessing
import os
import random
import time
from collections.abc import Callable, Sequence
from datetime import timedelta
from typing import Any

from django.db import connection, connections, transaction
from django.db.models import Model
from django.utils import timezone

from consent.models import Site, Subject
from ledger import merkle, services
from ledger.canonical import event_text_bytes, timestamp
from ledger.choices import kind_derive
from ledger.ids import now_ns, ns_datetime, uuid7s
from ledger.logs import key_of, log_get_or_create
from ledger.models import Event, PendingLeaf, State
from ledger.projection import EVENT_COLUMNS
from ledger.rows import Insert, rows_copy_binary, rows_insert

CHUNK = 20_000
_STATE_FIELDS = (
    "log", "subject_key", "purpose", "granted", "kind", "source", "since", "expires_at", "event_id", "receipt_id"
)  # fmt: skip
_SUBJECT_FIELDS = ("site", "external_id", "kind", "pseudonym", "ledger_key", "created_at")


def load_terms(site_key: str) -> tuple[Site, Any, str, timedelta]:
    """Return what every loaded choice of a site names: the site, its log, its latest version, its lifetime."""
    site = Site.objects.get(key=site_key)
    version = site.banner_versions.order_by("-number").first()
    return (
        site,
        log_get_or_create(site.key),
        version.content_hash if version else "",
        timedelta(days=site.consent_lifetime_days),
    )


def _clock_text() -> Callable[[int], str]:
    """Return `timestamp` of a nanosecond clock reading, the ledger's own formatting run once per second.

    A load reads the clock tens of thousands of times a second; only the microseconds differ.
    """
    seconds: dict[int, str] = {}

    def text(ns: int) -> str:
        second, rest = divmod(ns, 1_000_000_000)
        prefix = seconds.get(second)
        if prefix is None:
            # Everything before ".ffffffZ".
            prefix = seconds[second] = timestamp(ns_datetime(second * 1_000_000_000))[:-8]
        return f"{prefix}.{rest // 1000:06d}Z"

    return text


def _chunk_load(site_key: str, numbers: range, seed: int, external_id: Callable[[int], str]) -> int:
    """Write the rows of one choice per subject number, in one transaction; return how many events."""
    site, log, banner_version, lifetime = load_terms(site_key)
    log_id, clock_text, lifetime_ns = log.id, _clock_text(), lifetime // timedelta(microseconds=1) * 1000
    rng = random.Random(seed)
    subjects: list[tuple[Any, ...]] = []
    events: list[tuple[Any, ...]] = []
    pending: list[tuple[Any, ...]] = []
    states: list[tuple[Any, ...]] = []
    created_at = timezone.now()
    visitor = Subject.Kind.VISITOR.value
    # What depends only on the decision: a first choice's kind (kind_derive with nothing before it).
    kinds = {granted: kind_derive(granted=granted, previously_granted=False) for granted in (True, False)}
    # One draw of randomness for every pseudonym of the chunk (each is secrets.token_hex(16)'s 32 hex digits).
    pseudonyms = os.urandom(16 * len(numbers)).hex()
    for offset, n in enumerate(numbers):
        pseudonym = pseudonyms[32 * offset : 32 * offset + 32]
        key = key_of(log, pseudonym)
        subjects.append((site.id, external_id(n), visitor, pseudonym, key, created_at))
        ns = now_ns()
        recorded_at = ns_datetime(ns)
        expires_at = recorded_at + lifetime
        # One choice shares its timestamps: format them once, as event_text_bytes takes them.
        recorded_text, expires_text = clock_text(ns), clock_text(ns + lifetime_ns)
        receipt_id, *event_ids = uuid7s(ns, 5)
        receipt_text = str(receipt_id)
        # Everybody grants marketing, so its audience is every subject (purposes in sorted order, as appended).
        analytics = rng.random() < 0.6
        decisions = (("analytics", analytics), ("essential", True), ("marketing", True), ("personalization", True))
        for (purpose, granted), event_id in zip(decisions, event_ids, strict=True):
            kind = kinds[granted]
            expires = expires_at if granted else None
            events.append((log_id, event_id, key, purpose, granted, kind, "banner", "custom", banner_version, "", "en",
                           recorded_at, recorded_at, expires, receipt_id, "", None))  # fmt: skip
            canonical = event_text_bytes(
                event_id=str(event_id), site=log.site, subject_key=key, purpose=purpose, granted=granted, kind=kind,
                source="banner", method="custom", banner_version=banner_version, jurisdiction="", locale="en",
                occurred_at=recorded_text, recorded_at=recorded_text, expires_at=expires_text if granted else None,
                receipt_id=receipt_text, evidence_hash="", idempotency_key="",
            )  # fmt: skip
            pending.append((event_id, log_id, merkle.leaf_hash(canonical)))
            # A subject's first event is its whole state for that purpose (state_step with no previous row).
            states.append((log_id, key, purpose, granted, kind, "banner", recorded_at, expires, event_id, receipt_id))
    # Binary COPY on PostgreSQL: nothing formats or parses text, a few times quicker than a text COPY.
    copy = rows_copy_binary if connection.vendor == "postgresql" else rows_insert
    with transaction.atomic():
        copy(Insert(Subject, _SUBJECT_FIELDS, subjects))
        copy(Insert(Event, ("log", *EVENT_COLUMNS), events))
        copy(Insert(PendingLeaf, ("event", "log", "leaf_hash"), pending))
        copy(Insert(State, _STATE_FIELDS, states))
    return len(events)


_LOADED = (Subject, Event, PendingLeaf, State)


def checks_drop(models: Sequence[type[Model]]) -> tuple[list[str], list[str]]:
    """Drop the tables' non-unique indexes and foreign keys (PostgreSQL); return the statements that restore them.

    Keeping a B-tree on random hex keys up to date row by row costs more than building it once at
    the end, and a foreign key checked once over the whole table costs less than one lookup per row
    at each commit. Unique indexes and primary keys stay: they are what refuses a duplicate while
    loading. Returns (index definitions, ADD CONSTRAINT statements): the keys go back after the
    indexes, and adding one checks every row, so the tables end exactly as they were declared.
    """
    tables = [model._meta.db_table for model in models]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid) FROM pg_index i"
            " JOIN pg_class t ON t.oid = i.indrelid WHERE t.relname = ANY(%s) AND NOT i.indisunique",
            [tables],
        )
        indexes = cursor.fetchall()
        cursor.execute(
            "SELECT c.conrelid::regclass::text, quote_ident(c.conname), pg_get_constraintdef(c.oid)"
            " FROM pg_constraint c JOIN pg_class t ON t.oid = c.conrelid WHERE t.relname = ANY(%s) AND c.contype = 'f'",
            [tables],
        )
        keys = cursor.fetchall()
        # Names PostgreSQL itself quoted (regclass text, quote_ident).
        for name, _ in indexes:
            cursor.execute(f"DROP INDEX {name}")
        for table, name, _ in keys:
            cursor.execute(f"ALTER TABLE {table} DROP CONSTRAINT {name}")
    return [definition for _, definition in indexes], [
        f"ALTER TABLE {table} ADD CONSTRAINT {name} {definition}" for table, name, definition in keys
    ]


def _chunk_run(job: tuple[str, range, int, Callable[[int], str]]) -> int:
    return _chunk_load(*job)


def _statement_run(sql: str) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql)


def choices_load(
    site: Site, start: int, stop: int, *, external_id: Callable[[int], str], processes: int = 2
) -> dict[str, float]:
    """Record one four-purpose choice for subjects start..stop-1 in bulk; integrate and sign; return timings."""
    # Several chunks per process, so one process builds rows while the other's server process writes them.
    size = min(CHUNK, max(1, -(-(stop - start) // (2 * processes))))
    jobs = [(site.key, range(first, min(first + size, stop)), first, external_id) for first in range(start, stop, size)]
    started = time.perf_counter()
    # A load at least as big as what the tables hold is cheaper to index and check once, after.
    defer = connection.vendor == "postgresql" and stop - start >= start
    # Forked workers open connections of their own; the parent's must not be shared with them. Their
    # rows are tuples without cycles: the cyclic collector would only walk the growing lists again and again.
    connections.close_all()
    with multiprocessing.get_context("fork").Pool(processes, initializer=gc.disable) as pool:
        indexes, keys = checks_drop(_LOADED) if defer else ([], [])
        try:
            events = sum(pool.imap_unordered(_chunk_run, jobs))
        finally:
            # Side by side, one statement per worker connection; the keys after the indexes (their locks conflict).
            pool.map(_statement_run, indexes, chunksize=1)
            pool.map(_statement_run, keys, chunksize=1)
    loaded = time.perf_counter() - started
    started = time.perf_counter()
    leaves = services.log_integrate(site=site.key, checkpoint_force=True)
    integrated = time.perf_counter() - started
    return {"events": events, "load_s": loaded, "leaves": leaves, "integrate_s": integrated}
