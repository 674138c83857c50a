"""Benchmark a site's console dashboard on PostgreSQL at 1,000,000 events, beside the console's index page.

Loads EVENTS events (about four per subject) spread over the last 90 days with a realistic mix:
first choices by accept all / reject all / custom / GPC, later withdrawals from the preference
centre, and expiries of grants made more than the consent lifetime ago. The rows are exactly those
the append path writes, built with the ledger's own encoders and written by COPY as in
bench/bulk.py; the integrator gives them leaves and signs a checkpoint, the state rows are checked
against a fold of the events, and the real beat tasks fold the rollups (timed) and verify the log.
Then a member of the site's organization (an analyst, Django's test client, force_login) opens:

- `/admin/sites/<key>/dashboard/?days=30` and `?days=90`, and the CSV of every chart over 90 days;
- the baseline: the console's index page `/admin/` for the same person, same client and middleware.

Each is asked REQUESTS times after a warm-up; the bench prints median and p95 with
`ratio = assent / baseline`, the SQL statements of one dashboard request and the machine's load.

    .venv/bin/python bench/console.py [--events 1000000] [--requests 20] [--fresh]

It creates its database (assent_bench_console, or the one DATABASE_URL names) and drops it first
with --fresh; without, it reuses a database already loaded to the size asked (and loads again one
of another size). Never run by the tests.
"""

import argparse
import multiprocessing
import os
import random
import secrets
import statistics
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.harness import BROKER_URL, CACHE_URL, LoadWatch, database_ensure, database_url, percentile, ratio, report

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "consent.settings")
os.environ.setdefault("DEBUG", "1")
os.environ.setdefault("DATABASE_URL", database_url("assent_bench_console"))
os.environ.setdefault("CACHE_URL", CACHE_URL)
os.environ.setdefault("CELERY_BROKER_URL", BROKER_URL)

SITE_KEY = "bench-console"
ORGANIZATION = "Bench console"
CHUNK = 20_000  # events per loading transaction
DAYS = 90
# How the first choices are made (the rest of a site's traffic never answers the banner).
METHODS = (("accept_all", 0.55), ("reject_all", 0.25), ("custom", 0.15), ("gpc", 0.05))
WITHDRAWING = 0.08  # of subjects who granted something, withdraw everything later in the range
EXPIRING = 0.10  # of subjects chose more than the consent lifetime ago; their grants expire in the range
DECISION_RATE = 0.7  # choices per impression, for the impressions counters


def _uuid7(ns: int) -> uuid.UUID:
    """Return a UUIDv7 for a moment in the past (ledger.ids.uuid7 never goes back, as a live append must not)."""
    ms, rest = divmod(ns, 1_000_000)
    fraction = rest * 4096 // 1_000_000
    return uuid.UUID(int=(ms & 0xFFFF_FFFF_FFFF) << 80 | 0x7 << 76 | fraction << 64 | 0b10 << 62 | secrets.randbits(62))


def _first_choice(rng: random.Random) -> tuple[str, str, dict[str, bool]]:
    """Return the method, source and decisions of a first choice on the banner."""
    pick, method = rng.random(), "custom"
    for name, share in METHODS:
        if pick < share:
            method = name
            break
        pick -= share
    if method == "accept_all":
        return method, "banner", dict.fromkeys(("essential", "personalization", "analytics", "marketing"), True)
    if method == "reject_all":
        return method, "banner", {"essential": True, "personalization": False, "analytics": False, "marketing": False}
    if method == "gpc":
        # The signal opts out of sale/share; the rest is what the banner had on by default.
        return method, "gpc", {"essential": True, "personalization": True, "analytics": False, "marketing": False}
    decisions = {
        "personalization": rng.random() < 0.7,
        "analytics": rng.random() < 0.6,
        "marketing": rng.random() < 0.3,
    }
    return method, "banner", {"essential": True, **decisions}


def _subject_choices(rng: random.Random, now: datetime, lifetime: timedelta) -> list[tuple[Any, ...]]:
    """Return one subject's choices in time order as (moment, method, source, {purpose: (granted, kind)}, occurred)."""
    method, source, decisions = _first_choice(rng)
    old = rng.random() < EXPIRING
    if old:
        first = now - lifetime - timedelta(seconds=rng.uniform(60, DAYS * 86400))
    else:
        first = now - timedelta(seconds=rng.uniform(60, DAYS * 86400))
    # Personalization is processed on legitimate interest: switching it off is an objection.
    kinds = {
        p: (g, "opted_in" if g else ("objected" if p == "personalization" else "opted_out"))
        for p, g in decisions.items()
    }
    choices = [(first, method, source, kinds, first)]
    granted = [p for p, g in decisions.items() if g]
    if old:
        # The expiry task records lapsed grants soon after they lapse, dated when they lapsed.
        lapsed = first + lifetime
        choices.append(
            (lapsed + timedelta(seconds=rng.uniform(1, 60)), "expiry", "system",
             {p: (False, "expired") for p in granted}, lapsed)
        )  # fmt: skip
    elif len(granted) > 1 and rng.random() < WITHDRAWING:
        moment = first + (now - first) * rng.random()
        withdrawn = {p: (False, "withdrawn" if decisions[p] else "opted_out") for p in ("analytics", "marketing")}
        withdrawn["personalization"] = (False, "withdrawn" if decisions["personalization"] else "objected")
        choices.append((moment, "withdraw_all", "preference_centre", withdrawn, moment))
    return choices


def _chunk_load(site_key: str, first_subject: int, budget: int, seed: int) -> tuple[int, int]:
    """Write subjects from first_subject on until `budget` events, in one transaction; return (subjects, events)."""
    from django.db import transaction
    from django.utils import timezone

    from bench.bulk import load_terms
    from consent.models import Subject
    from ledger import merkle
    from ledger.canonical import event_text_bytes, timestamp
    from ledger.logs import key_of
    from ledger.models import Event, PendingLeaf, State
    from ledger.projection import EVENT_COLUMNS, StateRow, state_next
    from ledger.rows import Insert, rows_insert

    site, log, banner_version, lifetime = load_terms(site_key)
    rng = random.Random(seed)
    now = timezone.now()
    subjects: list[tuple[Any, ...]] = []
    events: list[tuple[Any, ...]] = []
    pending: list[tuple[Any, ...]] = []
    states: list[tuple[Any, ...]] = []
    n = first_subject
    while len(events) < budget:
        pseudonym = secrets.token_hex(16)
        key = key_of(log, pseudonym)
        subjects.append((site.id, subject_id(n), Subject.Kind.VISITOR, pseudonym, key, now))
        n += 1
        state: dict[str, StateRow] = {}
        for moment, method, source, decisions, occurred in _subject_choices(rng, now, lifetime):
            ns = int(moment.timestamp() * 1_000_000) * 1000
            recorded_at = datetime.fromtimestamp(ns // 1000 / 1_000_000, tz=UTC)
            occurred_at = min(occurred, recorded_at)
            expires_at = recorded_at + lifetime
            receipt_id = _uuid7(ns)
            on_banner = source in ("banner", "gpc")
            version_text, locale = (banner_version, "en") if on_banner else ("", "")
            for purpose, (granted, kind) in decisions.items():
                event_id = _uuid7(ns)
                expires = expires_at if granted else None
                events.append((log.id, event_id, key, purpose, granted, kind, source, method, version_text, "",
                               locale, occurred_at, recorded_at, expires, receipt_id, "", None))  # fmt: skip
                canonical = event_text_bytes(
                    event_id=str(event_id), site=log.site, subject_key=key, purpose=purpose, granted=granted,
                    kind=kind, source=source, method=method, banner_version=version_text, jurisdiction="",
                    locale=locale, occurred_at=timestamp(occurred_at), recorded_at=timestamp(recorded_at),
                    expires_at=timestamp(expires) if expires else None, receipt_id=str(receipt_id),
                    evidence_hash="", idempotency_key="",
                )  # fmt: skip
                pending.append((event_id, log.id, merkle.leaf_hash(canonical)))
                state[purpose] = state_next(
                    state.get(purpose), purpose=purpose, granted=granted, kind=kind, source=source,
                    recorded_at=recorded_at, expires_at=expires, event_id=str(event_id), receipt_id=str(receipt_id),
                )  # fmt: skip
        for row in state.values():
            states.append((log.id, key, row.purpose, row.granted, row.kind, row.source, row.since, row.expires_at,
                           row.event_id, row.receipt_id))  # fmt: skip
    state_fields = ("log", "subject_key", "purpose", "granted", "kind", "source", "since", "expires_at", "event_id",
                    "receipt_id")  # fmt: skip
    subject_fields = ("site", "external_id", "kind", "pseudonym", "ledger_key", "created_at")
    with transaction.atomic():
        rows_insert(Insert(Subject, subject_fields, subjects))
        rows_insert(Insert(Event, ("log", *EVENT_COLUMNS), events))
        rows_insert(Insert(PendingLeaf, ("event", "log", "leaf_hash"), pending))
        rows_insert(Insert(State, state_fields, states))
    return n - first_subject, len(events)


def _chunk_run(job: tuple[str, int, int, int]) -> tuple[int, int]:
    return _chunk_load(*job)


def subject_id(n: int) -> str:
    return f"subject-{n:08d}"


def site_prepare():
    """Create the bench organization, its site (four purposes, published) and an analyst member."""
    from django.contrib.auth import get_user_model

    from consent.models import Membership, Organization, Site
    from tests.factories import published_site

    site = Site.objects.filter(key=SITE_KEY).first()
    if site is None:
        organization, _ = Organization.objects.get_or_create(name=ORGANIZATION)
        site = published_site(organization=organization, key=SITE_KEY)
    user, _ = get_user_model().objects.get_or_create(username="bench-analyst", defaults={"email": "analyst@bench"})
    Membership.objects.get_or_create(organization=site.organization, user=user, defaults={"role": "analyst"})
    return site, user


def impressions_write(site: Any) -> None:
    """Count banner impressions per day, as the banner's counter would have, from the folded choices."""
    from consent.banner.models import DailyCount
    from consent.console.models import DailyChoices

    version = site.banner_versions.order_by("-number").first()
    rows = []
    for day in DailyChoices.objects.filter(site=site):
        chosen = day.accept_all + day.reject_all + day.custom + day.gpc
        rows.append(
            DailyCount(site=site, day=day.day, banner_version=version.content_hash, locale="en",
                       shown=round(chosen / DECISION_RATE), accept_all=day.accept_all, reject_all=day.reject_all,
                       custom=day.custom, other=day.gpc)
        )  # fmt: skip
    DailyCount.objects.filter(site=site).delete()
    DailyCount.objects.bulk_create(rows)


def load(site: Any, events: int) -> list[str]:
    """Load, integrate, check, fold and verify; return the lines that describe it."""
    from django.db import connection, connections
    from django.db.models import Count

    from consent.console.tasks import ledger_check_all, rollups_fold_all
    from consent.models import Subject
    from ledger import services
    from ledger.models import Event

    jobs = [(site.key, n * CHUNK, min(CHUNK, events - n * CHUNK), 1000 + n) for n in range(-(-events // CHUNK))]
    started = time.perf_counter()
    connections.close_all()  # forked workers open connections of their own
    with multiprocessing.get_context("fork").Pool(2) as pool:
        results = list(pool.imap_unordered(_chunk_run, jobs))
    loaded = time.perf_counter() - started
    started = time.perf_counter()
    leaves = services.log_integrate(site=site.key, checkpoint_force=True)
    integrated = time.perf_counter() - started
    # A live database's autovacuum keeps the statistics current; straight after a bulk load they say the
    # tables are nearly empty, and the fold's feed query would re-read every remaining leaf per batch.
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    subjects, written = Subject.objects.filter(site=site).count(), sum(e for _, e in results)
    lines = [
        f"load: {written:,} events for {subjects:,} subjects by COPY in {loaded:.0f} s; integrated {leaves:,} leaves "
        f"in {integrated:.0f} s"
    ]
    # The state rows were written beside the events, not folded from them: check they agree.
    differences = services.rebuild_state(site=site.key, repair=False)
    if differences:
        raise SystemExit(f"the loaded state differs from its events: {differences[0]}")
    methods = dict(Event.objects.filter(log__site=site.key).values_list("method").annotate(n=Count("id")).order_by())
    lines.append("events by method: " + ", ".join(f"{name} {count:,}" for name, count in sorted(methods.items())))
    started = time.perf_counter()
    folded = rollups_fold_all()
    fold_s = time.perf_counter() - started
    lines.append(
        f"fold (consent.console.tasks.rollups_fold_all, from nothing): {folded:,} leaves in {fold_s:.1f} s "
        f"= {folded / fold_s:,.0f} leaves/s"
    )
    started = time.perf_counter()
    folded_again = rollups_fold_all()
    lines.append(
        f"fold again with nothing new: {folded_again} leaves in {(time.perf_counter() - started) * 1000:.0f} ms"
    )
    started = time.perf_counter()
    if ledger_check_all():
        raise SystemExit("the loaded log does not verify")
    lines.append(f"verified (ledger_check_all): {leaves:,} leaves in {time.perf_counter() - started:.1f} s")
    impressions_write(site)
    return lines


def timed(client: Any, path: str, requests: int, warm: int = 0) -> list[float]:
    """Return the milliseconds of `requests` GETs of path, after `warm` untimed ones."""
    timings = []
    for n in range(requests + warm):
        started = time.perf_counter()
        response = client.get(path)
        content = b"".join(response.streaming_content) if response.streaming else response.content
        elapsed = (time.perf_counter() - started) * 1000
        if response.status_code != 200 or not content:
            raise SystemExit(f"GET {path} answered {response.status_code}")
        if n >= warm:
            timings.append(elapsed)
    return timings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--requests", type=int, default=20)
    parser.add_argument("--fresh", action="store_true", help="drop the database and load from nothing")
    args = parser.parse_args()
    if not os.environ["DATABASE_URL"].startswith("postgres"):
        raise SystemExit("set DATABASE_URL to a PostgreSQL database for the benchmark")
    database_ensure(os.environ["DATABASE_URL"], fresh=args.fresh)
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from consent.console.models import DailyChoices
    from ledger.models import Event
    from tests.banner.signing import signing_key_ensure

    call_command("migrate", verbosity=0)
    signing_key_ensure()
    have = Event.objects.filter(log__site=SITE_KEY).count()
    if have and abs(have - args.events) > args.events * 0.01:
        # Loaded at another size: start again rather than time a different figure.
        print(f"the database holds {have:,} events, not {args.events:,}: loading it again")
        connection.close()
        database_ensure(os.environ["DATABASE_URL"], fresh=True)
        call_command("migrate", verbosity=0)
        have = 0
    site, user = site_prepare()
    setup = load(site, args.events) if not have else [f"loaded already: {have:,} events"]
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    have = Event.objects.filter(log__site=site.key).count()
    setup.append(f"rollup rows: {DailyChoices.objects.filter(site=site).count()} days of choices")
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(user)
    base = f"/admin/sites/{site.key}/"
    pages = {
        "dashboard ?days=30": f"{base}dashboard/?days=30",
        "dashboard ?days=90": f"{base}dashboard/?days=90",
        "CSV, every chart, ?days=90": f"{base}dashboard.csv?days=90",
        "baseline: console index /admin/": "/admin/",
    }
    with LoadWatch() as load_watch:
        for path in pages.values():
            timed(client, path, 0, warm=2)
        with CaptureQueriesContext(connection) as queries:
            timed(client, pages["dashboard ?days=30"], 1)
        statements = len(queries)
        with CaptureQueriesContext(connection) as queries:
            timed(client, pages["baseline: console index /admin/"], 1)
        baseline_statements = len(queries)
        # Interleaved rounds, so a neighbour's burst of load falls on every page alike.
        timings: dict[str, list[float]] = {name: [] for name in pages}
        for _ in range(args.requests):
            for name, path in pages.items():
                timings[name] += timed(client, path, 1)
    size = len(client.get(pages["dashboard ?days=90"]).content)
    index_size = len(client.get("/admin/").content)
    lines = [
        f"events: {have:,}, {DAYS} days, PostgreSQL, Django test client (one process, in-process "
        f"requests), an analyst of the site's organization, {args.requests} requests each, interleaved",
        *setup,
    ]
    baseline = timings["baseline: console index /admin/"]
    for name, values in timings.items():
        lines.append(f"{name:<34}median {statistics.median(values):7.1f} ms, p95 {percentile(values, 95):7.1f} ms")
    for name in ("dashboard ?days=30", "dashboard ?days=90", "CSV, every chart, ?days=90"):
        lines.append(
            f"{name} median: {ratio(statistics.median(timings[name]), statistics.median(baseline))}; "
            f"p95: {ratio(percentile(timings[name], 95), percentile(baseline, 95))}"
        )
    lines.append(
        f"SQL statements: dashboard ?days=30 {statements}, console index {baseline_statements}; "
        f"page sizes {size:,} and {index_size:,} bytes"
    )
    verdict = "met" if percentile(timings["dashboard ?days=90"], 95) < 300 else "NOT met"
    lines.append(f"target: the dashboard opens in < 300 ms at 1,000,000 events; p95 of ?days=90 at {have:,}: {verdict}")
    report("console: site dashboard", lines, load_watch)


if __name__ == "__main__":
    main()
