"""The dashboard's figures, read from the rollups, the delivery tables and the ledger's selectors."""

import math
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from django.conf import settings
from django.db.models import Min, Q, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from consent.banner.models import DailyCount
from consent.console.models import DailyChoices, DailyPurpose, LedgerCheck
from consent.hooks.models import Attempt, Delivery, Destination
from consent.models import BannerVersion, Site
from ledger import selectors as ledger_selectors

RANGES = (7, 30, 90)
FUNNEL_METHODS = ("accept_all", "reject_all", "custom", "gpc")
Number = int | float | None


@dataclass(frozen=True)
class Series:
    label: str
    values: list[Number]
    # "bar" series of one chart stack; a "line" is drawn over them.
    kind: str = "bar"
    unit: str = ""


@dataclass(frozen=True)
class Chart:
    """One chart: its labels (days or destinations) and series; the same numbers fill its table and CSV."""

    id: str
    title: str
    label_heading: str
    labels: list[str]
    series: list[Series]
    note: str = ""
    stacked: bool = False

    def rows(self) -> list[list[str | Number]]:
        """Return the table: one row per label, one column per series."""
        return [[label, *(series.values[i] for series in self.series)] for i, label in enumerate(self.labels)]

    def as_data(self) -> dict[str, object]:
        """Return what the chart script reads from the page."""
        return {
            "id": self.id,
            "labels": self.labels,
            "stacked": self.stacked,
            "series": [{"label": s.label, "values": s.values, "kind": s.kind, "unit": s.unit} for s in self.series],
        }


@dataclass(frozen=True)
class LedgerHealth:
    size: int
    checkpoint_age_seconds: int | None
    checkpoint_fresh: bool
    integration_lag_seconds: int
    pending: int  # counted up to PENDING_COUNTED_UP_TO (one more: "that many or more")
    last_check: LedgerCheck | None
    notes: list[str] = field(default_factory=list)

    @property
    def pending_shown(self) -> str:
        """Return the backlog as shown: the count, or the cap with a plus when there are more."""
        return f"{PENDING_COUNTED_UP_TO}+" if self.pending > PENDING_COUNTED_UP_TO else str(self.pending)


# The dashboard says how many events wait for integration only up to here: counting a million-row
# backlog (or the dead rows integration leaves until vacuum) took most of the page's time.
PENDING_COUNTED_UP_TO = 10_000


def days_of(days: int, *, today: date | None = None) -> list[date]:
    """Return the last `days` days (UTC), oldest first, ending today."""
    end = today or datetime.now(UTC).date()
    return [end - timedelta(days=n) for n in range(days - 1, -1, -1)]


def _rate(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None


def funnel_charts(site: Site, days: list[date]) -> list[Chart]:
    """Return the banner funnel per day and its rates, with version publications marked."""
    first = days[0]
    shown = dict(
        DailyCount.objects.filter(site=site, day__gte=first)
        .values_list("day")
        .annotate(n=Sum("shown"))
        .values_list("day", "n")
        .order_by()
    )
    choices = {row.day: row for row in DailyChoices.objects.filter(site=site, day__gte=first)}
    published = defaultdict(list)
    for number, at in BannerVersion.objects.filter(site=site, published_at__date__gte=first).values_list(
        "number", "published_at"
    ):
        published[at.astimezone(UTC).date()].append(f"v{number}")
    labels = [f"{day.isoformat()} ▲{','.join(published[day])}" if day in published else day.isoformat() for day in days]
    per_method = {m: [getattr(choices[d], m) if d in choices else 0 for d in days] for m in FUNNEL_METHODS}
    impressions = [int(shown.get(day) or 0) for day in days]
    decisions = [sum(per_method[m][i] for m in FUNNEL_METHODS) for i in range(len(days))]
    names = {"accept_all": _("Accept all"), "reject_all": _("Reject all"), "custom": _("Custom"), "gpc": _("GPC")}
    funnel = Chart(
        id="funnel",
        title=_("Banner funnel"),
        label_heading=_("Day"),
        labels=labels,
        series=[
            Series(_("Impressions"), list(impressions), kind="line"),
            *(Series(names[m], list(per_method[m])) for m in FUNNEL_METHODS),
        ],
        note=_("▲ marks the day a banner version was published."),
        stacked=True,
    )
    rates = Chart(
        id="rates",
        title=_("Decision and reject rates"),
        label_heading=_("Day"),
        labels=labels,
        series=[
            Series(_("Decision rate"), [_rate(d, i) for d, i in zip(decisions, impressions, strict=True)], "line", "%"),
            Series(
                _("Reject rate"),
                [_rate(r, d) for r, d in zip(per_method["reject_all"], decisions, strict=True)],
                "line",
                "%",
            ),
        ],
    )
    return [funnel, rates]


def purpose_charts(site: Site, days: list[date]) -> list[Chart]:
    """Return the share granting each purpose per day, and withdrawals and expiries per day."""
    rows = DailyPurpose.objects.filter(site=site, day__gte=days[0])
    by_purpose: dict[str, dict[date, DailyPurpose]] = defaultdict(dict)
    for row in rows:
        by_purpose[row.purpose][row.day] = row
    slugs = [slug for slug in site.purposes.order_by("order", "slug").values_list("slug", flat=True)]
    slugs += sorted(set(by_purpose) - set(slugs))
    labels = [day.isoformat() for day in days]

    def share(slug: str, day: date) -> float | None:
        row = by_purpose[slug].get(day)
        return None if row is None or row.granting is None or row.decided is None else _rate(row.granting, row.decided)

    shares = Chart(
        id="share",
        title=_("Share granting, per purpose"),
        label_heading=_("Day"),
        labels=labels,
        series=[Series(slug, [share(slug, day) for day in days], "line", "%") for slug in slugs],
        note=_("From the current state of every subject, taken once a day; empty before the first snapshot."),
    )
    totals: dict[str, list[Number]] = {"withdrawn": [], "expired": []}
    for day in days:
        for kind, values in totals.items():
            values.append(sum(getattr(by_purpose[slug].get(day), kind, 0) or 0 for slug in by_purpose))
    changes = Chart(
        id="withdrawals",
        title=_("Withdrawals and expiries"),
        label_heading=_("Day"),
        labels=labels,
        series=[Series(_("Withdrawals"), totals["withdrawn"]), Series(_("Expiries"), totals["expired"])],
    )
    return [shares, changes]


@dataclass(frozen=True)
class DestinationHealth:
    name: str
    status: str
    per_hour: float
    success_rate: float | None
    p50_ms: int | None
    p95_ms: int | None
    backlog: int
    oldest_undelivered: datetime | None
    last_error: str


def _percentile(attempts: QuerySet[Attempt], count: int, fraction: float) -> int | None:
    """Return the latency below which `fraction` of the attempts fall (nearest rank)."""
    if not count:
        return None
    index = min(count - 1, max(0, math.ceil(fraction * count) - 1))
    return attempts.order_by("latency_ms").values_list("latency_ms", flat=True)[index]


def destination_health(site: Site, days: list[date]) -> list[DestinationHealth]:
    """Return each destination's throughput, success, latency and backlog over the range."""
    since = datetime.combine(days[0], datetime.min.time(), tzinfo=UTC)
    hours = max(1.0, (timezone.now() - since).total_seconds() / 3600)
    health = []
    for destination in Destination.objects.filter(site=site).order_by("pk"):
        attempts = Attempt.objects.filter(delivery__destination=destination, started_at__gte=since)
        count = attempts.count()
        succeeded = attempts.filter(status_code__gte=200, status_code__lt=300).count()
        delivered = Delivery.objects.filter(
            destination=destination, status=Delivery.Status.DELIVERED, delivered_at__gte=since
        ).count()
        waiting = Delivery.objects.filter(
            destination=destination, status__in=[Delivery.Status.PENDING, Delivery.Status.SENDING]
        )
        oldest = waiting.aggregate(oldest=Min("created_at"))["oldest"]
        last_failure = (
            Attempt.objects.filter(delivery__destination=destination)
            .exclude(Q(status_code__gte=200) & Q(status_code__lt=300))
            .order_by("-started_at")
            .first()
        )
        if not destination.active:
            status = _("disabled: %(reason)s") % {"reason": destination.disabled_reason or "-"}
        elif destination.failing_since:
            status = _("failing since %(at)s") % {"at": destination.failing_since.strftime("%Y-%m-%d %H:%M")}
        else:
            status = _("healthy")
        health.append(
            DestinationHealth(
                name=str(destination),
                status=status,
                per_hour=round(delivered / hours, 2),
                success_rate=_rate(succeeded, count),
                p50_ms=_percentile(attempts, count, 0.5),
                p95_ms=_percentile(attempts, count, 0.95),
                backlog=waiting.count(),
                oldest_undelivered=oldest,
                last_error=(
                    (last_failure.error or f"HTTP {last_failure.status_code}")[:200] if last_failure is not None else ""
                ),
            )
        )
    return health


def propagation_chart(health: list[DestinationHealth]) -> Chart:
    """Return deliveries per hour, success rate and latency per destination."""
    return Chart(
        id="propagation",
        title=_("Propagation per destination"),
        label_heading=_("Destination"),
        labels=[row.name for row in health],
        series=[
            Series(_("Deliveries per hour"), [row.per_hour for row in health]),
            Series(_("Success rate"), [row.success_rate for row in health], unit="%"),
            Series(_("Latency p50"), [row.p50_ms for row in health], unit="ms"),
            Series(_("Latency p95"), [row.p95_ms for row in health], unit="ms"),
        ],
    )


def ledger_health(site: Site) -> LedgerHealth:
    """Return the log's size, checkpoint age, integration lag and the last verification."""
    now = timezone.now()
    log = ledger_selectors.log_health(site=site.key, count_up_to=PENDING_COUNTED_UP_TO + 1)
    latest = ledger_selectors.checkpoint_latest(site=site.key)
    age = int((now - latest.signed_at).total_seconds()) if latest else None
    pending = log.pending if log else 0
    size = log.size if log else 0
    lag = int((now - log.oldest_pending_at).total_seconds()) if log and log.oldest_pending_at else 0
    # A log that did not grow signs nothing new: an old checkpoint is stale only when it lags the log.
    signed_all = pending == 0 and (latest.size if latest else 0) == size
    fresh = signed_all or (age is not None and age <= 2 * settings.LEDGER_CHECKPOINT_INTERVAL)
    return LedgerHealth(
        size=size,
        checkpoint_age_seconds=age,
        checkpoint_fresh=fresh,
        integration_lag_seconds=lag,
        pending=pending,
        last_check=LedgerCheck.objects.filter(site=site).order_by("-checked_at").first(),
    )
