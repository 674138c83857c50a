"""Streaming a log's leaves with their events' canonical bytes, and its stored subtrees, in log order.

Full verification and export read every row of a log, so these reads are raw SQL over a server-side
cursor: PostgreSQL formats ids and timestamps as canonical text itself, which saves parsing each value
into a Python object only to format it back.
"""

from collections.abc import Iterator
from contextlib import AbstractContextManager, nullcontext
from typing import Any

from django.db import connection, transaction

from ledger.canonical import event_text_bytes

CHUNK = 10_000

_EVENT_TEXT = {
    "postgresql": {
        "uuid": "{}::text",
        "time": """to_char({} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')""",
    },
    # Casting keeps the stored text: otherwise the driver parses it into a datetime first.
    "sqlite": {"uuid": "{}", "time": "CAST({} AS text)"},
}
_EVENT_SELECT = """
    SELECT l."index", l.hash, {id}, e.subject_key, e.purpose, e.granted, e.kind, e.source, e.method,
           e.banner_version, e.jurisdiction, e.locale, {occurred_at}, {recorded_at}, {expires_at}, {receipt},
           e.evidence_hash, e.idempotency_key
    FROM {source}
    ORDER BY l."index"
"""
_EVENT_SOURCE = {
    # The leaves in order, then each one's event by its key, so rows stream in the order they are
    # read. A plain join lets the planner hash the two tables and sort the wide joined rows (on
    # disk beyond a few thousand), or, without statistics on freshly written leaves, sort them after
    # a nested loop; OFFSET 0 keeps the lateral lookup from being flattened back into such a join.
    "postgresql": """
        (SELECT "index", hash, event_id FROM ledger_leaf WHERE log_id = %s AND "index" < %s ORDER BY "index") l
        CROSS JOIN LATERAL (SELECT * FROM ledger_event WHERE id = l.event_id OFFSET 0) e
    """,
    "sqlite": 'ledger_leaf l JOIN ledger_event e ON e.id = l.event_id WHERE l.log_id = %s AND l."index" < %s',
}
_NODE_SELECT = """
    SELECT level, "index", hash FROM ledger_node
    WHERE log_id = %s AND (("index" + 1) << level) <= %s
    ORDER BY ("index" + 1) << level, level
"""


def _leaves_sql() -> str:
    vendor = "postgresql" if connection.vendor == "postgresql" else "sqlite"
    uuid, time = _EVENT_TEXT[vendor]["uuid"], _EVENT_TEXT[vendor]["time"]
    return _EVENT_SELECT.format(
        source=_EVENT_SOURCE[vendor],
        id=uuid.format("e.id"),
        receipt=uuid.format("e.receipt_id"),
        occurred_at=time.format("e.occurred_at"),
        recorded_at=time.format("e.recorded_at"),
        expires_at=time.format("e.expires_at"),
    )


def _sqlite_uuid(value: str) -> str:
    """Return a UUID SQLite stores as 32 hex digits in its hyphenated form."""
    return f"{value[:8]}-{value[8:12]}-{value[12:16]}-{value[16:20]}-{value[20:]}"


def _sqlite_time(value: str) -> str:
    """Return a timestamp SQLite stores as 'YYYY-MM-DD HH:MM:SS[.ffffff]' (UTC) in canonical form."""
    return f"{value[:10]}T{value[11:19]}{value[19:] or '.000000'}Z"


def reading() -> AbstractContextManager[Any]:
    """Return the context to read streams in, so their rows flow as they are fetched.

    A PostgreSQL server-side cursor opened outside a transaction is WITH HOLD: the server runs the
    whole query into a temporary store (on disk for a large log) before the first row. Inside one it
    streams. SQLite's cursors stream anyway, and its transactions would take the write lock.
    """
    return transaction.atomic() if connection.vendor == "postgresql" else nullcontext()


def _rows(sql: str, params: list[Any]) -> Iterator[tuple[Any, ...]]:
    """Yield the rows of a query from a server-side cursor (PostgreSQL) or in chunks (SQLite)."""
    with connection.chunked_cursor() as cursor:
        cursor.execute(sql, params)
        while rows := cursor.fetchmany(CHUNK):
            yield from rows


def leaves(site: str, log_id: int, size: int) -> Iterator[tuple[int, bytes, str, bytes]]:
    """Yield (index, stored leaf hash, event id, event canonical bytes) of the first `size` leaves in order."""
    postgres = connection.vendor == "postgresql"
    uuid = str if postgres else _sqlite_uuid
    time = str if postgres else _sqlite_time
    for row in _rows(_leaves_sql(), [log_id, size]):
        index, digest, event_id, subject, purpose, granted, kind, source, method = row[:9]
        banner, jurisdiction, locale, occurred, recorded, expires, receipt, evidence, key = row[9:]
        event_id = uuid(event_id)
        yield (
            index,
            bytes(digest),
            event_id,
            event_text_bytes(
                event_id=event_id,
                site=site,
                subject_key=subject,
                purpose=purpose,
                granted=bool(granted),
                kind=kind,
                source=source,
                method=method,
                banner_version=banner,
                jurisdiction=jurisdiction,
                locale=locale,
                occurred_at=time(occurred),
                recorded_at=time(recorded),
                expires_at=None if expires is None else time(expires),
                receipt_id=uuid(receipt),
                evidence_hash=evidence,
                idempotency_key=key or "",
            ),
        )


def nodes(log_id: int, size: int) -> Iterator[tuple[int, int, bytes]]:
    """Yield the stored subtrees within the first `size` leaves in the order a tree builder completes them."""
    for level, index, digest in _rows(_NODE_SELECT, [log_id, size]):
        yield level, index, bytes(digest)
