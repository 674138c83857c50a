"""Benchmark the ledger: append, integrate, verify, and prove, on whichever database DATABASE_URL names.

    DEBUG=1 DATABASE_URL=postgres://root@127.0.0.1:5432/assent .venv/bin/python bench/ledger.py
    DEBUG=1 .venv/bin/python bench/ledger.py --events 40000          # SQLite, a file of its own

Uses a database of its own (PostgreSQL: the one DATABASE_URL names when that is a bench's, `assent_bench*`,
otherwise `assent_bench`, dropped and created; SQLite: a file in the var directory), so it never
touches development data and two runs can each have their own. Prints figures; it asserts nothing.
"""

import argparse
import os
import random
import sys
import time
import uuid
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlparse, urlunparse

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bench.harness import LoadWatch, database_ensure, percentile, ratio, report

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "consent.settings")

PURPOSES = ("necessary", "analytics", "marketing", "personalisation")
BENCH_DB = "assent_bench"


def _database_prepare() -> str:
    """Point DATABASE_URL at a fresh benchmark database and return its description."""
    url = os.environ.get("DATABASE_URL", "")
    if url.startswith(("postgres", "pgsql")):
        parsed = urlparse(url)
        # The database is dropped first, so only ever one whose name says it belongs to a bench.
        name = parsed.path.lstrip("/")
        name = name if name.startswith(BENCH_DB) else BENCH_DB
        os.environ["DATABASE_URL"] = urlunparse(parsed._replace(path=f"/{name}"))
        database_ensure(os.environ["DATABASE_URL"], fresh=True)
        return f"PostgreSQL ({parsed.hostname}/{name})"
    var_dir = Path(os.environ.get("ASSENT_VAR_DIR", Path(__file__).resolve().parents[1] / "var"))
    var_dir.mkdir(parents=True, exist_ok=True)
    path = var_dir / "bench-ledger.sqlite3"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    os.environ["DATABASE_URL"] = f"sqlite:///{path}"
    return f"SQLite ({path})"


def _rate(count: int, seconds: float) -> str:
    return f"{count:,} in {seconds:.1f} s = {count / seconds:,.0f}/s"


_COPIED = ("ledger_event", "ledger_pendingleaf", "ledger_evidence", "ledger_state")


def _tables_copy(vendor: str) -> None:
    """Create empty copies of the tables an append writes, with the same indexes where the database can."""
    from django.db import connection

    with connection.cursor() as cursor:
        for table in _COPIED:
            if vendor == "postgresql":
                cursor.execute(f"CREATE TABLE bench_{table} (LIKE {table} INCLUDING ALL)")
            else:
                cursor.execute(f"CREATE TABLE bench_{table} AS SELECT * FROM {table} WHERE 0")
        if vendor != "postgresql":
            cursor.execute("CREATE UNIQUE INDEX bench_state_uniq ON bench_ledger_state (log_id, subject_key, purpose)")


def _rows(cursor, table: str) -> tuple[list[str], list[tuple]]:
    cursor.execute(f"SELECT * FROM {table}")
    return [column[0] for column in cursor.description], cursor.fetchall()


def bench_baseline() -> tuple[float, list[float]]:
    """Insert the very rows the append wrote, one choice per raw transaction; return (seconds, ms per choice).

    Same events, queue rows, evidence and state upserts, into copies of the same tables, with none of
    the append's reads, checks, hashing or signing: what this database does with these rows right now.
    """
    from django.db import connection

    connection.ensure_connection()
    vendor = connection.vendor
    _tables_copy(vendor)
    raw = connection.connection
    cursor = raw.cursor()
    mark = "%s" if vendor == "postgresql" else "?"
    event_columns, events = _rows(cursor, "ledger_event")
    pending_columns, pending = _rows(cursor, "ledger_pendingleaf")
    evidence_columns, evidence = _rows(cursor, "ledger_evidence")
    state_columns, states = _rows(cursor, "ledger_state")
    by_event = {row[pending_columns.index("event_id")]: row for row in pending}
    by_receipt = {row[evidence_columns.index("receipt_id")]: row for row in evidence}
    subject, purpose = state_columns.index("subject_key"), state_columns.index("purpose")
    by_state = {(row[subject], row[purpose]): row for row in states}
    choices: dict[object, list[tuple]] = {}
    for row in events:
        choices.setdefault(row[event_columns.index("receipt_id")], []).append(row)
    keys = {"id", "log_id", "subject_key", "purpose"}
    updated = ", ".join(f"{c} = excluded.{c}" for c in state_columns if c not in keys)

    def insert(table: str, columns: list[str], rows: list[tuple], tail: str = "") -> None:
        values = ", ".join(["(" + ", ".join([mark] * len(columns)) + ")"] * len(rows))
        cursor.execute(f"INSERT INTO bench_{table} ({', '.join(columns)}) VALUES {values}{tail}",
                       [value for row in rows for value in row])  # fmt: skip

    timings = []
    started = time.perf_counter()
    for receipt, rows in choices.items():
        begun = time.perf_counter()
        cursor.execute("BEGIN")
        insert("ledger_event", event_columns, rows)
        insert("ledger_pendingleaf", pending_columns, [by_event[row[0]] for row in rows])
        if receipt in by_receipt:
            insert("ledger_evidence", evidence_columns, [by_receipt[receipt]])
        state_rows = [by_state[(row[event_columns.index("subject_key")], row[event_columns.index("purpose")])]
                      for row in rows]  # fmt: skip
        insert("ledger_state", state_columns[1:], [row[1:] for row in state_rows],
               f" ON CONFLICT (log_id, subject_key, purpose) DO UPDATE SET {updated}")  # fmt: skip
        cursor.execute("COMMIT")
        timings.append((time.perf_counter() - begun) * 1000)
    return time.perf_counter() - started, timings


def bench_append(events: int, subjects: int) -> tuple[float, list[float]]:
    """Append events//4 choices of four purposes each from one process; return (seconds, ms per choice)."""
    from ledger import services

    rng = random.Random(7)
    timings = []
    started = time.perf_counter()
    for _ in range(events // len(PURPOSES)):
        begun = time.perf_counter()
        services.event_append(
            site="bench",
            subject=f"subject-{rng.randrange(subjects)}",
            decisions={purpose: purpose == "necessary" or rng.random() < 0.5 for purpose in PURPOSES},
            source="banner",
            banner_version="0" * 64,
            method="custom",
            locale="en",
            known_purposes=PURPOSES,
            idempotency_key=uuid.uuid4().hex,
            evidence={"ip": "192.0.2.0", "user_agent": "Mozilla/5.0 (bench)", "url": "https://example.com/"},
            lifetime=timedelta(days=180),
        )
        timings.append((time.perf_counter() - begun) * 1000)
    return time.perf_counter() - started, timings


def _tables_analyze() -> None:
    """Do what autovacuum does after bulk inserts (hint bits, visibility map, statistics) before timing reads."""
    from django.db import connection

    with connection.cursor() as cursor:
        for table in ("ledger_event", "ledger_leaf", "ledger_node", "ledger_checkpoint"):
            cursor.execute(f"VACUUM ANALYZE {table}" if connection.vendor == "postgresql" else f"ANALYZE {table}")


def bench_proofs(site: str, samples: int) -> tuple[float, int, int]:
    """Time inclusion proofs of random events; return (ms per proof, proof hashes, proof bytes)."""
    from ledger import selectors
    from ledger.models import Leaf
    from ledger.tree import tree_size

    log_id = Leaf.objects.filter(log__site=site).values_list("log_id", flat=True).first()
    size = tree_size(log_id)
    rng = random.Random(11)
    indices = [rng.randrange(size) for _ in range(samples)]
    event_ids = dict(Leaf.objects.filter(log_id=log_id, index__in=indices).values_list("index", "event_id"))
    _tables_analyze()
    longest = 0
    started = time.perf_counter()
    for index in indices:
        proof = selectors.prove_inclusion(event_id=event_ids[index])
        longest = max(longest, len(proof.proof))
    elapsed = time.perf_counter() - started
    assert proof.verify()
    return elapsed / samples * 1000, longest, longest * 32


_EVENT_COLUMNS = (
    "id, log_id, subject_key, purpose, granted, kind, source, method, banner_version, jurisdiction, locale,"
    " occurred_at, recorded_at, expires_at, receipt_id, evidence_hash, idempotency_key"
)


def _million_events(log_id: int, leaves: int) -> None:
    """Insert synthetic events and their leaves with SQL (the append path is measured separately)."""
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                f"""
                INSERT INTO ledger_event ({_EVENT_COLUMNS})
                SELECT gen_random_uuid(), %s, md5(g::text) || md5(g::text), 'analytics', true, 'opted_in',
                       'import', 'import', '', '', '', now(), now(), NULL, gen_random_uuid(), '', NULL
                FROM generate_series(1, %s) g
                """,
                [log_id, leaves],
            )
            cursor.execute(
                'INSERT INTO ledger_leaf (event_id, log_id, "index", hash) SELECT id, log_id,'
                " row_number() OVER (ORDER BY id) - 1, sha256(uuid_send(id)) FROM ledger_event WHERE log_id = %s",
                [log_id],
            )
            return
        cursor.execute(
            f"""
            WITH RECURSIVE g(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM g WHERE n < %s)
            INSERT INTO ledger_event ({_EVENT_COLUMNS})
            SELECT lower(hex(randomblob(16))), %s, lower(hex(randomblob(32))), 'analytics', 1, 'opted_in', 'import',
                   'import', '', '', '', datetime('now'), datetime('now'), NULL, lower(hex(randomblob(16))), '', NULL
            FROM g
            """,
            [leaves, log_id],
        )
        cursor.execute(
            'INSERT INTO ledger_leaf (event_id, log_id, "index", hash) SELECT id, log_id,'
            " row_number() OVER (ORDER BY id) - 1, randomblob(32) FROM ledger_event WHERE log_id = %s",
            [log_id],
        )


def _million_nodes(log_id: int) -> None:
    """Compute and store every complete subtree over the synthetic leaves."""
    from django.db import connection

    from ledger import merkle
    from ledger.models import Leaf

    nodes: list[tuple[int, int, int, bytes]] = []
    builder = merkle.TreeBuilder()
    hashes = Leaf.objects.filter(log_id=log_id).order_by("index").values_list("hash", flat=True)
    for digest in hashes.iterator(chunk_size=50_000):
        builder.append(bytes(digest), lambda level, index, node: nodes.append((log_id, level, index, node)))
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy('COPY ledger_node (log_id, level, "index", hash) FROM STDIN') as copy:
                for row in nodes:
                    copy.write_row(row)
        else:
            cursor.executemany('INSERT INTO ledger_node (log_id, level, "index", hash) VALUES (%s, %s, %s, %s)', nodes)


def bench_million(leaves: int, samples: int) -> list[str]:
    """Build a log of `leaves` leaves directly at the Merkle layer and time proofs against it."""
    from django.db import transaction

    from ledger import services
    from ledger.logs import log_get_or_create

    started = time.perf_counter()
    log = log_get_or_create("bench-million")
    with transaction.atomic():
        _million_events(log.id, leaves)
        _million_nodes(log.id)
    services.checkpoint_sign(site="bench-million")
    built = time.perf_counter() - started
    ms, hashes, size = bench_proofs("bench-million", samples)
    return [
        f"  built a {leaves:,}-leaf tree in {built:.0f} s",
        f"  inclusion proof at {leaves:,} leaves: {ms:.2f} ms each, {hashes} hashes = {size} bytes (binary)",
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=200_000, help="events to append (4 per choice)")
    parser.add_argument("--subjects", type=int, default=50_000)
    parser.add_argument("--million", type=int, default=1_000_000, help="leaves of the proof-size tree (0: skip)")
    parser.add_argument("--samples", type=int, default=1000, help="inclusion proofs to time")
    options = parser.parse_args()
    where = _database_prepare()

    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    from ledger.keys import signing_key

    signing_key()  # in development, creates the key file while DEBUG still allows it
    # DEBUG keeps every query in memory; production runs without it, and so does the benchmark.
    settings.DEBUG = False
    call_command("migrate", "ledger", verbosity=0)
    print(f"ledger benchmark on {where}: {options.events:,} events, {options.subjects:,} subjects")
    with LoadWatch() as load:
        lines = bench_all(options)
    report("ledger: append, integrate, verify, prove", lines, load)


def bench_all(options: argparse.Namespace) -> list[str]:
    """Run every ledger measurement in turn; return the lines to report."""
    from ledger import services
    from ledger.logs import log_find
    from ledger.verification import log_verify

    seconds, timings = bench_append(options.events, options.subjects)
    baseline_seconds, baseline_timings = bench_baseline()
    rate, baseline_rate = options.events / seconds, options.events / baseline_seconds
    lines = []
    for name, events_s, ms in (
        ("append (event_append, one process)", rate, timings),
        ("baseline: the same rows, raw INSERT transactions", baseline_rate, baseline_timings),
    ):
        lines.append(f"  {name:<50}{events_s:>9,.0f} events/s, per choice p50 {percentile(ms, 50):.2f} ms, "
                     f"p99 {percentile(ms, 99):.2f} ms")  # fmt: skip
    lines.append(f"  events/s: {ratio(rate, baseline_rate)}")
    lines.append(f"  p99 per choice: {ratio(percentile(timings, 99), percentile(baseline_timings, 99))}")
    started = time.perf_counter()
    added = services.log_integrate(site="bench", checkpoint_force=True)
    lines.append(f"  integrate: {_rate(added, time.perf_counter() - started)} leaves")
    log = log_find("bench")
    assert log is not None
    started = time.perf_counter()
    result = log_verify(log)
    lines.append(f"  full verify: {_rate(added, time.perf_counter() - started)} events ({result})")
    ms, hashes, size = bench_proofs("bench", options.samples)
    lines.append(f"  inclusion proof at {added:,} leaves: {ms:.2f} ms each, {hashes} hashes = {size} bytes (binary)")
    if options.million:
        lines.extend(bench_million(options.million, options.samples))
    return lines


if __name__ == "__main__":
    main()
