"""POST /api/v1/public/sites/<key>/identify: link a visitor to a user, merge, refuse forgeries."""

import time

import pytest
from django.test import Client, override_settings

from consent.accounts import services
from consent.accounts.tokens import token_mac
from consent.models import Subject
from ledger.models import Event
from tests.accounts.conftest import identify_token, vid
from tests.banner.ledger_reads import events_of, state_of

pytestmark = pytest.mark.django_db


def identify(site, subject, user, token=None, **extra):
    body = {"subject": subject, "user": user, "token": token or identify_token(site, user), **extra}
    return Client().post(f"/api/v1/public/sites/{site.key}/identify", body, content_type="application/json")


def test_it_links_the_visitor_to_the_user_and_answers_the_users_state(site, choose):
    choose(site, vid("visitor-a"), {"marketing": True, "analytics": False})

    response = identify(site, vid("visitor-a"), "user-1")

    assert response.status_code == 200
    body = response.json()
    assert body["decided"] is True
    assert body["state"]["marketing"] is True
    assert body["state"]["analytics"] is False
    visitor = Subject.objects.get(site=site, external_id=vid("visitor-a"))
    assert visitor.linked_to.external_id == "user-1"
    assert visitor.linked_to.kind == Subject.Kind.USER


def test_a_new_device_gets_the_users_choices_without_being_asked(site, choose):
    choose(site, vid("phone"), {"marketing": False, "analytics": True})
    identify(site, vid("phone"), "user-1")

    body = identify(site, vid("laptop"), "user-1").json()

    assert body["decided"] is True
    assert body["state"] == {"essential": True, "marketing": False, "analytics": True}
    assert len(body["banner_version"]) == 64


def test_an_unknown_user_on_a_new_device_is_not_decided(site):
    body = identify(site, vid("laptop"), "user-new").json()

    assert body == {"state": {}, "decided": False, "banner_version": ""}


def test_a_choice_made_on_a_linked_device_applies_to_the_user(site, choose):
    identify(site, vid("phone"), "user-1")
    identify(site, vid("laptop"), "user-1")

    choose(site, vid("phone"), {"marketing": True})

    assert state_of(site, "user-1")["marketing"] is True
    assert identify(site, vid("laptop"), "user-1").json()["state"]["marketing"] is True


def test_merge_the_most_recent_decision_per_purpose_wins(site, choose):
    # The phone decided marketing first; the account decided analytics and marketing later;
    # then the phone decided analytics again. Per purpose, the later decision wins.
    choose(site, vid("phone"), {"marketing": True})
    choose(site, "user-1", {"marketing": False, "analytics": True}, subject_kind=Subject.Kind.USER)
    choose(site, vid("phone"), {"analytics": False, "personalization": False})

    identify(site, vid("phone"), "user-1")

    state = state_of(site, "user-1")
    assert state["marketing"] is False  # the account's decision is newer
    assert state["analytics"] is False  # the phone's decision is newer
    assert state["personalization"] is False  # only the phone decided it
    merged = [e for e in events_of(site, "user-1") if e.method == "identify"]
    assert {e.purpose for e in merged} == {"analytics", "personalization", "essential"}
    assert all(e.source == "banner" for e in merged)


def test_merge_compares_when_decisions_were_made_not_when_they_were_carried_over(site, choose):
    # The laptop allowed marketing first, the phone refused it later; the laptop signs in first,
    # carrying its older decision over to the account. The phone's refusal is still the newer one.
    choose(site, vid("laptop"), {"marketing": True})
    choose(site, vid("phone"), {"marketing": False})

    assert identify(site, vid("laptop"), "user-1").json()["state"]["marketing"] is True
    assert identify(site, vid("phone"), "user-1").json()["state"]["marketing"] is False

    merged = [e for e in events_of(site, "user-1") if e.method == "identify" and e.purpose == "marketing"]
    assert [e.granted for e in merged] == [False, True]  # newest first
    laptop = next(e for e in events_of(site, vid("laptop")) if e.purpose == "marketing")
    assert merged[1].occurred_at == laptop.recorded_at


def test_merge_writes_nothing_where_the_user_already_agrees(site, choose):
    choose(site, "user-1", {"marketing": True}, subject_kind=Subject.Kind.USER)
    choose(site, vid("phone"), {"marketing": True})
    before = Event.objects.count()

    identify(site, vid("phone"), "user-1")

    assert Event.objects.count() == before


def test_identifying_again_writes_nothing(site, choose):
    choose(site, vid("phone"), {"marketing": True})
    identify(site, vid("phone"), "user-1")
    before = Event.objects.count()

    assert identify(site, vid("phone"), "user-1").status_code == 200
    assert Event.objects.count() == before


def test_a_shared_device_moves_to_the_next_user_without_carrying_choices(site, choose):
    choose(site, vid("kiosk"), {"marketing": True})
    identify(site, vid("kiosk"), "user-1")

    identify(site, vid("kiosk"), "user-2")

    assert Subject.objects.get(site=site, external_id=vid("kiosk")).linked_to.external_id == "user-2"
    assert "marketing" not in state_of(site, "user-2")


def test_a_forged_token_is_refused_and_nothing_is_linked(site, choose):
    choose(site, vid("visitor-a"), {"marketing": True})
    forged = identify_token(site, "user-2")  # a token for someone else

    response = identify(site, vid("visitor-a"), "user-1", token=forged)

    assert response.status_code == 403
    assert response.json()["error"]["fields"]["token"]
    assert Subject.objects.get(site=site, external_id=vid("visitor-a")).linked_to is None
    assert not Subject.objects.filter(site=site, external_id="user-1").exists()


def test_an_expired_token_is_refused_and_nothing_is_linked(site):
    exp = int(time.time()) - 60
    mac = token_mac(secret=site.identity_secret, use="identify", site_key=site.key, user_id="user-1", expiry=exp)

    response = identify(site, vid("visitor-a"), "user-1", token=f"{exp}.{mac}")

    assert response.status_code == 403
    assert "expired" in response.json()["error"]["message"]
    assert not Subject.objects.filter(site=site).exists()


def test_a_token_of_another_site_is_refused(site, outsider_site):
    response = identify(site, vid("visitor-a"), "user-1", token=identify_token(outsider_site, "user-1"))

    assert response.status_code == 403
    assert not Subject.objects.filter(site=site).exists()


def test_a_sign_in_link_token_does_not_identify(site):
    response = identify(site, vid("visitor-a"), "user-1", token=identify_token(site, "user-1", use="signin"))

    assert response.status_code == 403


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"user": "u", "token": "1.x"}, "subject"),
        ({"subject": "0" * 32, "token": "1." + "a" * 64}, "user"),
        ({"subject": "0" * 32, "user": "u"}, "token"),
        ({"subject": "0" * 33, "user": "u", "token": "1." + "a" * 64}, "subject"),
        ({"subject": "has space", "user": "u", "token": "1." + "a" * 64}, "subject"),
        ({"subject": "0" * 32, "user": "u", "token": "not-a-token"}, "token"),
        ({"subject": "0" * 32, "user": "u", "token": "1." + "a" * 64, "extra": 1}, "extra"),
    ],
)
def test_it_names_the_bad_field_and_writes_nothing(site, body, field):
    response = Client().post(f"/api/v1/public/sites/{site.key}/identify", body, content_type="application/json")

    assert response.status_code == 400
    assert field in response.json()["error"]["fields"]
    assert not Subject.objects.filter(site=site).exists()


def test_it_refuses_a_body_that_is_not_json(site):
    response = Client().post(f"/api/v1/public/sites/{site.key}/identify", "{", content_type="application/json")

    assert response.status_code == 400
    assert "body" in response.json()["error"]["fields"]


def test_a_user_id_cannot_pass_as_a_visitor(site):
    identify(site, vid("visitor-a"), "user-1")

    response = identify(site, "user-1", "user-2")

    assert response.status_code == 400
    assert "subject" in response.json()["error"]["fields"]


def test_a_visitor_who_took_a_users_id_first_neither_blocks_nor_speaks_for_that_user(site, choose):
    # A customer whose user ids happen to look like the banner's: a visitor chose under one first.
    squatted = vid("victim")
    choose(site, squatted, {"marketing": True})

    response = identify(site, vid("phone"), squatted)

    assert response.status_code == 200
    assert response.json()["decided"] is False  # the visitor's grant is not the user's
    kinds = set(Subject.objects.filter(site=site, external_id=squatted).values_list("kind", flat=True))
    assert kinds == {Subject.Kind.VISITOR, Subject.Kind.USER}


def test_an_unknown_site_is_not_found(db):
    response = Client().post(
        "/api/v1/public/sites/nope/identify",
        {"subject": "0" * 32, "user": "u", "token": "1." + "a" * 64},
        content_type="application/json",
    )
    assert response.status_code == 404


@override_settings(ASSENT_PUBLIC_RATE_PER_CLIENT=2)
def test_it_rate_limits_a_client(site):
    statuses = [identify(site, vid(f"visitor-{n}"), "user-1").status_code for n in range(3)]

    assert statuses == [200, 200, 429]


def test_the_service_serializes_with_the_endpoint(site, choose):
    choose(site, vid("phone"), {"analytics": True})
    user = services.subject_identify(
        site=site, visitor_id=vid("phone"), user_id="user-9", token=identify_token(site, "user-9")
    )
    assert state_of(site, user.external_id)["analytics"] is True


def test_only_the_sites_own_origin_may_call_identify_from_a_browser(site):
    url = f"/api/v1/public/sites/{site.key}/identify"
    preflight = {"HTTP_ACCESS_CONTROL_REQUEST_METHOD": "POST", "HTTP_ACCESS_CONTROL_REQUEST_HEADERS": "content-type"}

    own = Client().options(url, HTTP_ORIGIN="https://acme.example", **preflight)
    foreign = Client().options(url, HTTP_ORIGIN="https://evil.example", **preflight)

    assert own["Access-Control-Allow-Origin"] == "https://acme.example"
    assert "Access-Control-Allow-Origin" not in foreign
