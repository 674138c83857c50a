"""One site's dashboard, server-rendered, and the CSV of each of its charts."""

import csv
from typing import Any

from django.conf import settings
from django.contrib import admin
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _

from consent.console.dashboard import selectors
from consent.console.dashboard.access import dashboard_site
from consent.edge.errors import error_response
from consent.models import Site

DEFAULT_DAYS = 30
# A spreadsheet runs a cell that starts with one of these as a formula.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _days(request: HttpRequest) -> int | None:
    raw = request.GET.get("days", str(DEFAULT_DAYS))
    return int(raw) if raw.isdigit() and int(raw) in selectors.RANGES else None


def _cell(value: object) -> object:
    if value is None:
        return ""
    if isinstance(value, str) and value.startswith(_FORMULA_STARTS):
        return "'" + value
    return value


def _bad_days() -> HttpResponse:
    choices = ", ".join(map(str, selectors.RANGES))
    return error_response(400, "invalid", f"days must be one of {choices}", {"days": [f"must be one of {choices}"]})


def _charts(site: Site, days: int) -> tuple[list[selectors.Chart], list[selectors.DestinationHealth]]:
    span = selectors.days_of(days)
    health = selectors.destination_health(site, span)
    charts = [
        *selectors.funnel_charts(site, span),
        *selectors.purpose_charts(site, span),
        selectors.propagation_chart(health),
    ]
    return charts, health


def dashboard(request: HttpRequest, site_key: str) -> HttpResponse:
    """Show one site's funnel, consent per purpose, propagation and ledger health."""
    site = dashboard_site(request, site_key)
    days = _days(request)
    if days is None:
        return _bad_days()
    charts, health = _charts(site, days)
    context: dict[str, Any] = {
        **admin.site.each_context(request),
        "title": _("Dashboard of %(site)s") % {"site": site.name},
        "site": site,
        "days": days,
        "ranges": selectors.RANGES,
        "charts": charts,
        "chart_data": [chart.as_data() for chart in charts],
        "destinations": health,
        "ledger": selectors.ledger_health(site),
        "checkpoint_interval": settings.LEDGER_CHECKPOINT_INTERVAL,
    }
    return TemplateResponse(request, "console/dashboard.html", context)


def dashboard_csv(request: HttpRequest, site_key: str) -> HttpResponse:
    """Download the numbers of one chart (or, without `chart`, of every chart) as CSV."""
    site = dashboard_site(request, site_key)
    days = _days(request)
    if days is None:
        return _bad_days()
    charts, _health = _charts(site, days)
    wanted = request.GET.get("chart")
    if wanted is not None and wanted not in {chart.id for chart in charts}:
        known = ", ".join(chart.id for chart in charts)
        return error_response(400, "invalid", f"chart must be one of {known}", {"chart": [f"must be one of {known}"]})
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    name = f"{site.key}-{wanted or 'dashboard'}-{days}d.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    writer = csv.writer(response)
    for chart in charts:
        if wanted in (None, chart.id):
            writer.writerow(["chart", chart.label_heading, *(series.label for series in chart.series)])
            for row in chart.rows():
                writer.writerow([chart.id, *(_cell(value) for value in row)])
    return response
