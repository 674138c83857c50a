"""GET /api/v1/public/sites/<key>/subjects/<visitor>/preferences: what the embedded preference centre shows."""

import pytest
from django.test import Client, override_settings

from consent.models import Subject
from tests.accounts.conftest import identify_token, vid

pytestmark = pytest.mark.django_db


def preferences(site, subject):
    return Client().get(f"/api/v1/public/sites/{site.key}/subjects/{subject}/preferences")


def test_it_answers_the_visitors_state_with_when_it_was_given(site, choose):
    choose(site, vid("visitor-a"), {"marketing": True, "analytics": False})

    response = preferences(site, vid("visitor-a"))

    assert response.status_code == 200
    purposes = response.json()["purposes"]
    assert purposes["marketing"]["granted"] is True
    assert purposes["analytics"]["granted"] is False
    assert purposes["marketing"]["since"].startswith("20")
    assert response["Cache-Control"] == "private, no-store"


def test_it_follows_a_linked_visitor_to_the_user(site, choose):
    choose(site, "user-1", {"marketing": True}, subject_kind=Subject.Kind.USER)
    Client().post(
        f"/api/v1/public/sites/{site.key}/identify",
        {"subject": vid("laptop"), "user": "user-1", "token": identify_token(site, "user-1")},
        content_type="application/json",
    )

    body = preferences(site, vid("laptop")).json()

    assert body["purposes"]["marketing"]["granted"] is True
    assert body["linked"] is True


def test_an_unknown_visitor_has_decided_nothing(site):
    assert preferences(site, vid("never-seen")).json() == {"purposes": {}, "linked": False}


def test_a_users_id_reads_nothing_without_a_token(site, choose):
    choose(site, "user-1", {"marketing": True}, subject_kind=Subject.Kind.USER)

    response = preferences(site, "user-1")

    assert response.status_code == 400
    assert "subject" in response.json()["error"]["fields"]


def test_a_visitor_of_another_site_is_not_found_here(site, outsider_site, choose):
    choose(outsider_site, vid("visitor-x"), {"marketing": True})

    assert preferences(site, vid("visitor-x")).json()["purposes"] == {}


def test_a_malformed_id_is_refused(site):
    response = Client().get(f"/api/v1/public/sites/{site.key}/subjects/has%20space/preferences")

    assert response.status_code == 400
    assert "subject" in response.json()["error"]["fields"]


@override_settings(ASSENT_PUBLIC_RATE_PER_CLIENT=1)
def test_it_rate_limits_a_client(site):
    statuses = [preferences(site, vid("visitor-a")).status_code for _ in range(11)]

    assert statuses[:10] == [200] * 10
    assert statuses[10] == 429
