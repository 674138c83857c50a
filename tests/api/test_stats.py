"""Daily figures per purpose, and a subject's export."""

from datetime import timedelta

import pytest
from django.utils import timezone

from consent.banner.services import daily_count_add

pytestmark = pytest.mark.django_db

URL = "/api/v1/sites/acme/stats"


def test_it_counts_per_purpose_how_people_chose_and_how_many_granted(api, record, site):
    for _ in range(3):
        daily_count_add(site=site, banner_version="v1", locale="en", counter="shown")
    record("a", {"analytics": True, "marketing": True}, method="accept_all")
    record("b", {"analytics": False, "marketing": False}, method="reject_all")
    record("c", {"analytics": True, "marketing": False}, method="custom")
    today = timezone.now().date().isoformat()
    body = api.get(URL, {"from": today, "to": today}).json()
    assert body["from"] == body["to"] == today
    assert body["interval"] == "day"
    [marketing] = body["purposes"]["marketing"]
    assert marketing == {
        "day": today,
        "shown": 3,
        "accept_all": 1,
        "reject_all": 1,
        "custom": 1,
        "choices": 3,
        "granted_rate": pytest.approx(1 / 3, abs=1e-4),
    }
    assert body["purposes"]["analytics"][0]["granted_rate"] == pytest.approx(2 / 3, abs=1e-4)


def test_a_day_without_choices_has_zeros_and_no_rate(api):
    yesterday = (timezone.now() - timedelta(days=1)).date().isoformat()
    body = api.get(URL, {"from": yesterday, "to": yesterday}).json()
    assert body["purposes"]["marketing"] == [
        {
            "day": yesterday,
            "shown": 0,
            "accept_all": 0,
            "reject_all": 0,
            "custom": 0,
            "choices": 0,
            "granted_rate": None,
        }
    ]


def test_it_defaults_to_the_last_thirty_days(api):
    body = api.get(URL).json()
    assert len(body["purposes"]["marketing"]) == 30
    assert body["to"] == timezone.now().date().isoformat()


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"from": "yesterday"}, "from"),
        ({"from": "2026-05-02", "to": "2026-05-01"}, "from"),
        ({"from": "2024-01-01", "to": "2026-01-01"}, "from"),
        ({"interval": "hour"}, "interval"),
        ({"from": "0001-01-01", "to": "0001-01-02"}, "from"),
        ({"from": "9999-12-30", "to": "9999-12-31"}, "from"),
    ],
)
def test_it_names_a_bad_parameter(api, params, field):
    response = api.get(URL, params)
    assert response.status_code == 400
    assert field in response.json()["error"]["fields"]


def test_stats_need_the_read_scope(make_client, site):
    writer = make_client(site.organization, scopes=["consent:write"])
    assert writer.get(URL).status_code == 403


def test_the_export_holds_the_subjects_state_and_events(api, record):
    record("visitor-1", {"marketing": True})
    response = api.get("/api/v1/sites/acme/subjects/visitor-1/export")
    assert response.status_code == 200
    body = response.json()
    assert body["format"] == "assent-subject-export/1"
    assert body["found"] is True
    assert body["state"]["marketing"]["granted"] is True
    assert {event["purpose"] for event in body["events"]} >= {"marketing"}


def test_the_export_of_an_unknown_subject_is_404(api, record):
    record("visitor-1", {"marketing": True})
    assert api.get("/api/v1/sites/acme/subjects/nobody/export").status_code == 404
