"""The dashboard page and its CSV: who may open them, what they show, and refusals of bad input."""

import csv
import io
import json
import re

import pytest
from django.urls import reverse

from consent.console.tasks import ledger_check_all, rollups_fold_all
from ledger import services as ledger_services
from tests.console.conftest import choose

pytestmark = pytest.mark.django_db


@pytest.fixture
def folded(acme):
    version = acme.version
    choose(acme.site, "v3", {"analytics": False, "marketing": False}, "reject_all", version)
    ledger_services.log_integrate(site=acme.site.key, checkpoint_force=True)
    rollups_fold_all()
    ledger_check_all()
    return acme


def chart_data(response):
    match = re.search(
        r'<script id="console-chart-data" type="application/json">(.*?)</script>', response.content.decode(), re.S
    )
    return {chart["id"]: chart for chart in json.loads(match.group(1))}


def test_a_member_sees_the_dashboard_with_every_chart_and_its_numbers(folded, analyst, client):
    client.force_login(analyst)
    response = client.get(reverse("admin:console_dashboard", args=[folded.site.key]))
    assert response.status_code == 200
    charts = chart_data(response)
    assert set(charts) == {"funnel", "rates", "share", "withdrawals", "propagation"}
    funnel = {series["label"]: series["values"][-1] for series in charts["funnel"]["series"]}
    assert funnel == {"Impressions": 1, "Accept all": 1, "Reject all": 1, "Custom": 1, "GPC": 0}
    rates = {series["label"]: series["values"][-1] for series in charts["rates"]["series"]}
    assert rates == {"Decision rate": 300.0, "Reject rate": round(100 / 3, 1)}
    assert "<script>" not in response.content.decode().replace('<script id="console-chart-data"', "")
    assert "verified" in response.content.decode()


def test_the_csv_holds_each_charts_numbers(folded, analyst, client):
    client.force_login(analyst)
    url = reverse("admin:console_dashboard_csv", args=[folded.site.key])
    rows = list(csv.reader(io.StringIO(client.get(url, {"days": 7, "chart": "funnel"}).content.decode())))
    assert rows[0] == ["chart", "Day", "Impressions", "Accept all", "Reject all", "Custom", "GPC"]
    assert len(rows) == 1 + 7
    assert rows[-1][2:] == ["1", "1", "1", "1", "0"]


@pytest.mark.parametrize(("field", "query"), [("days", {"days": "13"}), ("chart", {"chart": "nope"})])
def test_bad_input_is_refused_naming_the_field(folded, analyst, client, field, query):
    client.force_login(analyst)
    response = client.get(reverse("admin:console_dashboard_csv", args=[folded.site.key]), query)
    assert response.status_code == 400
    assert field in response.json()["error"]["fields"]


def test_the_dashboard_speaks_japanese(folded, analyst, client):
    client.force_login(analyst)
    response = client.get(reverse("admin:console_dashboard", args=[folded.site.key]), HTTP_ACCEPT_LANGUAGE="ja")
    assert "バナー" in response.content.decode()


def test_a_csv_cell_never_starts_a_formula(folded, acme_admin, client):
    from consent.hooks.models import Destination

    Destination.objects.filter(site=folded.site).update(name="=HYPERLINK(1)")
    client.force_login(acme_admin)
    body = client.get(reverse("admin:console_dashboard_csv", args=[folded.site.key]), {"chart": "propagation"})
    assert "'=HYPERLINK(1)" in body.content.decode()


def test_propagation_health_comes_from_the_attempt_rows(folded):
    from datetime import timedelta

    from django.utils import timezone

    from consent.console.dashboard import selectors
    from consent.hooks.models import Attempt, Delivery

    delivery = Delivery.objects.filter(destination__site=folded.site).first()
    for number, latency in enumerate([40, 10, 30, 20, 90, 60, 50, 80, 70], start=2):
        Attempt.objects.create(
            delivery=delivery,
            number=number,
            started_at=timezone.now() - timedelta(minutes=1),
            latency_ms=latency,
            status_code=200,
        )
    attempts = Attempt.objects.filter(delivery__destination=delivery.destination)
    latencies = sorted(attempts.values_list("latency_ms", flat=True))
    [health] = selectors.destination_health(folded.site, selectors.days_of(7))
    # Nearest rank, from the definition: the smallest value with at least p of the values at or below it.
    assert health.p50_ms == next(v for v in latencies if sum(x <= v for x in latencies) >= 0.5 * len(latencies))
    assert health.p95_ms == next(v for v in latencies if sum(x <= v for x in latencies) >= 0.95 * len(latencies))
    assert health.success_rate == round(100 * 9 / len(latencies), 1)
    assert health.backlog == Delivery.objects.filter(destination__site=folded.site, status="pending").count()
    assert health.last_error == "HTTP 500"


def test_the_integration_backlog_is_counted_only_up_to_a_cap(acme, analyst, client, monkeypatch):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from consent.console.dashboard import selectors as dashboard_selectors

    monkeypatch.setattr(dashboard_selectors, "PENDING_COUNTED_UP_TO", 2)
    choose(acme.site, "v9", {"analytics": True, "marketing": False}, "custom", acme.version)  # a leaf per purpose
    client.force_login(analyst)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("admin:console_dashboard", args=[acme.site.key]))
    assert "2+ events waiting" in response.content.decode()
    [count] = [q["sql"] for q in queries if "COUNT(" in q["sql"].upper() and "ledger_pendingleaf" in q["sql"]]
    assert "LIMIT 3" in count.upper()


def test_the_console_opens_on_the_members_own_sites_with_their_dashboards(site, outsider_site, analyst, client):
    """The landing page lists each site a member works on (theirs only) with its dashboard and settings."""
    client.force_login(analyst)
    page = client.get(reverse("admin:index"))
    assert page.status_code == 200
    sites = [s.key for s in page.context["console_sites"]]
    assert sites == ["acme"]
    html = page.content.decode()
    assert reverse("admin:console_dashboard", args=["acme"]) in html
    assert reverse("admin:consent_site_change", args=[site.pk]) in html
    # Another organization's site is neither listed nor linked.
    assert reverse("admin:console_dashboard", args=["other"]) not in html
    assert "Other Corp" not in html
    # Each link it gives opens.
    assert client.get(reverse("admin:console_dashboard", args=["acme"])).status_code == 200
    assert client.get(reverse("admin:consent_site_change", args=[site.pk])).status_code == 200


def test_a_member_without_a_site_is_told_how_to_get_one(organization, analyst, client):
    client.force_login(analyst)
    page = client.get(reverse("admin:index"), HTTP_ACCEPT_LANGUAGE="ja")
    assert page.context["console_sites"] == []
    assert "まだサイトがありません" in page.content.decode()
