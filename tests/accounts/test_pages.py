"""The hosted account pages: sign-in, toggles, history, receipts, export and erasure, per person."""

import json

import pytest
from django.test import Client

from consent.accounts.models import AccountBinding, Erasure
from consent.api.services import api_key_create
from consent.models import Subject
from ledger import selectors as ledger_selectors
from ledger import services as ledger_services
from tests.accounts.conftest import identify_token
from tests.banner.ledger_reads import events_of, state_of

pytestmark = pytest.mark.django_db
PASSWORD = "password-for-tests"  # the factories' password


@pytest.fixture
def owner_client(owner) -> Client:
    client = Client()
    assert client.login(username=owner.username, password=PASSWORD)
    return client


@pytest.fixture
def owner_subject(site, owner, choose):
    """The owner is also a user of the acme site (their login bound to it), who allowed marketing and analytics."""
    AccountBinding.objects.create(user=owner, site=site, external_id=owner.username)
    choose(site, owner.username, {"marketing": True, "analytics": True}, subject_kind=Subject.Kind.USER)
    return Subject.objects.get(site=site, external_id=owner.username)


def test_it_sends_a_stranger_to_sign_in(db):
    response = Client().get("/account/privacy/")

    assert response.status_code == 302
    assert response["Location"].startswith("/account/login/")


def test_signing_in_leads_to_the_privacy_page(owner):
    client = Client()
    response = client.post("/account/login/", {"username": owner.username, "password": PASSWORD})

    assert response.status_code == 302
    assert response["Location"] == "/account/privacy/"


def test_a_wrong_password_is_refused(owner):
    response = Client().post("/account/login/", {"username": owner.username, "password": "nope"})

    assert response.status_code == 200
    assert "do not match" in response.content.decode()


def test_the_page_shows_state_history_and_the_banner_text_shown_then(owner_client, owner_subject):
    page = owner_client.get("/account/privacy/").content.decode()

    assert "acme site" in page
    assert "Allowed since" in page
    assert "the cookie banner" in page
    assert "We use cookies" in page  # the title of the banner version the choice was made under
    assert 'data-purpose="marketing" data-granted="true"' in page


def test_operator_text_is_escaped_never_html(owner_client, owner_subject, site):
    site.name = "<script>alert(1)</script>"
    site.save()

    page = owner_client.get("/account/privacy/").content.decode()

    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;" in page


def test_withdrawing_marketing_records_it_from_account_settings_and_the_api_answers_denied(
    owner_client, owner_subject, site, owner
):
    response = owner_client.post(f"/account/privacy/{site.key}/choices", {"purpose-analytics": "on"})

    assert response.status_code == 302
    newest = events_of(site, owner.username)[0]
    assert newest.source == "account_settings"
    assert newest.banner_version == site.banner_versions.first().content_hash
    assert state_of(site, owner.username)["marketing"] is False
    assert state_of(site, owner.username)["analytics"] is True
    _, key = api_key_create(organization=site.organization, name="privacy team")
    answer = Client().get(
        f"/api/v1/sites/{site.key}/subjects/{owner.username}", headers={"Authorization": f"Bearer {key}"}
    )
    assert answer.json()["purposes"]["marketing"]["granted"] is False


def test_withdraw_all_refuses_every_optional_purpose(owner_client, owner_subject, site, owner):
    owner_client.post(f"/account/privacy/{site.key}/choices", {"withdraw_all": "1", "purpose-analytics": "on"})

    state = state_of(site, owner.username)
    assert state["marketing"] is False
    assert state["analytics"] is False
    assert state["personalization"] is False
    assert state["essential"] is True
    assert events_of(site, owner.username)[0].method == "withdraw_all"


def test_a_choice_is_refused_without_the_csrf_token(owner, owner_subject, site):
    client = Client(enforce_csrf_checks=True)
    client.login(username=owner.username, password=PASSWORD)

    response = client.post(f"/account/privacy/{site.key}/choices", {"withdraw_all": "1"})

    assert response.status_code == 403
    assert state_of(site, owner.username)["marketing"] is True


def test_the_receipt_follows_iso_27560_and_its_proof_verifies(owner_client, owner_subject, site, owner):
    ledger_services.log_integrate(site=site.key, checkpoint_force=True)
    receipt = events_of(site, owner.username)[0].receipt_id

    response = owner_client.get(f"/account/privacy/{site.key}/receipts/{receipt}.json")

    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    record = json.loads(response.content)
    assert record["record_id"] == receipt
    assert record["pii_principal_id"] == owner.username
    assert record["pii_controllers"][0]["name"] == "Acme"
    assert record["notice"]["notice_id"] == site.banner_versions.first().content_hash
    statuses = {p["purpose_id"]: p["consent_status"] for p in record["purposes"]}
    assert statuses["marketing"] == "given"
    assert record["event"][0]["event_by"] == "pii_principal"
    proofs = record["proof"]["inclusion"]
    assert len(proofs) == len(record["purposes"])
    assert all(ledger_selectors.InclusionProof(**proof).verify() for proof in proofs)


def test_nobody_downloads_another_persons_receipt(owner_subject, site, owner, outsider, outsider_site):
    receipt = events_of(site, owner.username)[0].receipt_id
    client = Client()
    client.login(username=outsider.username, password=PASSWORD)

    assert client.get(f"/account/privacy/{site.key}/receipts/{receipt}.json").status_code == 404
    assert client.get(f"/account/privacy/{site.key}/export.json").status_code == 404
    assert client.post(f"/account/privacy/{site.key}/erase", {"confirm": "on"}).status_code == 404
    assert Subject.objects.filter(pk=owner_subject.pk).exists()


def test_the_export_downloads_as_json(owner_client, owner_subject, site, owner):
    response = owner_client.get(f"/account/privacy/{site.key}/export.json")

    document = json.loads(response.content)
    assert document["subject"]["id"] == owner.username
    assert document["state"]["marketing"]["granted"] is True


def test_erasure_needs_the_confirmation(owner_client, owner_subject, site):
    owner_client.post(f"/account/privacy/{site.key}/erase", {})

    assert Subject.objects.filter(pk=owner_subject.pk).exists()


def test_erasure_from_the_page_removes_the_subject(owner_client, owner_subject, site):
    response = owner_client.post(f"/account/privacy/{site.key}/erase", {"confirm": "on"})

    assert response["Location"] == "/account/privacy/?erased=1"
    assert not Subject.objects.filter(pk=owner_subject.pk).exists()
    assert Erasure.objects.get(site=site).source == "account_settings"


def link(site, user, token=None):
    token = token or identify_token(site, user, use="signin")
    return f"/account/link/{site.key}/?user={user}&token={token}"


def test_a_signed_link_signs_a_customers_user_in_to_that_site_only(site, outsider_site, choose):
    choose(site, "cust-7", {"marketing": True}, subject_kind=Subject.Kind.USER)
    choose(outsider_site, "cust-7", {"marketing": True}, subject_kind=Subject.Kind.USER)
    client = Client()

    response = client.get(link(site, "cust-7"))

    assert response.status_code == 302
    assert response["Referrer-Policy"] == "no-referrer"
    page = client.get("/account/privacy/").content.decode()
    assert "acme site" in page
    assert "other site" not in page
    client.post(f"/account/privacy/{site.key}/choices", {})
    assert state_of(site, "cust-7")["marketing"] is False
    assert state_of(outsider_site, "cust-7")["marketing"] is True


def test_a_signed_link_session_lasts_an_hour(site):
    client = Client()
    client.get(link(site, "cust-7"))

    assert client.session.get_expiry_age() == 3600


def test_a_signed_link_works_once(site):
    url = link(site, "cust-7")
    assert Client().get(url).status_code == 302

    assert Client().get(url).status_code == 403


@pytest.mark.parametrize("use", ["identify", "forged"])
def test_an_identify_token_or_a_forgery_does_not_sign_in(site, outsider_site, use):
    token = (
        identify_token(site, "cust-7") if use == "identify" else identify_token(outsider_site, "cust-7", use="signin")
    )
    client = Client()

    assert client.get(link(site, "cust-7", token)).status_code == 403
    assert client.get("/account/privacy/").status_code == 302


def test_signing_out_ends_a_linked_session(site):
    client = Client()
    client.get(link(site, "cust-7"))

    client.post("/account/logout/")

    assert client.get("/account/privacy/").status_code == 302


def test_the_page_speaks_japanese_when_asked(owner_client, owner_subject):
    response = owner_client.get("/account/privacy/?lang=ja")

    page = response.content.decode()
    assert 'lang="ja"' in page
    assert "プライバシー設定" in page
    assert response.cookies["django_language"].value == "ja"


def test_the_demo_user_starts_on_the_demo_site_and_their_first_choice_creates_their_subject(demo_site):
    from consent.demo import DEMO_USER_EMAIL, DEMO_USER_PASSWORD

    client = Client()
    assert client.login(username=DEMO_USER_EMAIL, password=DEMO_USER_PASSWORD)
    page = client.get("/account/privacy/").content.decode()
    assert 'id="site-demo"' in page
    assert "You have not decided yet." in page

    client.post("/account/privacy/demo/choices", {"purpose-marketing": "on"})

    subject = Subject.objects.get(site=demo_site, external_id=DEMO_USER_EMAIL)
    assert subject.kind == Subject.Kind.USER
    assert state_of(demo_site, DEMO_USER_EMAIL)["marketing"] is True
    assert state_of(demo_site, DEMO_USER_EMAIL)["advertising"] is False


def test_account_writes_are_rate_limited(owner_client, owner_subject, site, settings):
    settings.ASSENT_PUBLIC_RATE_PER_CLIENT = 1
    statuses = [owner_client.post(f"/account/privacy/{site.key}/choices", {}).status_code for _ in range(2)]

    assert statuses == [302, 429]


def test_a_login_opens_no_other_organizations_user_of_the_same_name(owner, outsider_site, choose):
    # Another organization's customer happens to have the operator's username as their user id.
    choose(outsider_site, owner.username, {"marketing": True}, subject_kind=Subject.Kind.USER)
    client = Client()
    assert client.login(username=owner.username, password=PASSWORD)

    page = client.get("/account/privacy/").content.decode()

    assert "other site" not in page
    assert client.get(f"/account/privacy/{outsider_site.key}/export.json").status_code == 404
    client.post(f"/account/privacy/{outsider_site.key}/erase", {"confirm": "on"})
    assert Subject.objects.filter(site=outsider_site, external_id=owner.username).exists()


def test_a_login_stands_for_the_customer_user_it_is_bound_to(owner, site, choose):
    choose(site, "cust-42", {"marketing": True}, subject_kind=Subject.Kind.USER)
    AccountBinding.objects.create(user=owner, site=site, external_id="cust-42")
    client = Client()
    assert client.login(username=owner.username, password=PASSWORD)

    document = client.get(f"/account/privacy/{site.key}/export.json").json()

    assert document["subject"]["id"] == "cust-42"


def test_erasure_ends_the_persons_signed_link_sessions_and_forgets_them(site, choose):
    from django.contrib.sessions.models import Session

    from consent.accounts import services
    from consent.accounts.models import LinkSession

    choose(site, "cust-7", {"marketing": True}, subject_kind=Subject.Kind.USER)
    phone, laptop = Client(), Client()
    phone.get(link(site, "cust-7"))
    laptop.get(link(site, "cust-7"))
    assert phone.get("/account/privacy/").status_code == 200

    services.subject_erase(site=site, external_id="cust-7", kind=Subject.Kind.USER, source="api")

    assert phone.get("/account/privacy/").status_code == 302
    assert laptop.get("/account/privacy/").status_code == 302
    assert not LinkSession.objects.filter(external_id="cust-7").exists()
    assert not Subject.objects.filter(external_id="cust-7").exists()
    assert not any(s.get_decoded().get("accounts_identity") for s in Session.objects.all())


def test_only_a_superuser_may_bind_a_login_to_a_customer_user(member, outsider_site):
    from django.contrib.auth.models import Permission

    member.is_staff = True
    member.save()
    member.user_permissions.set(Permission.objects.filter(codename__endswith="accountbinding"))
    client = Client()
    client.force_login(member)

    response = client.post(
        "/admin/accounts/accountbinding/add/",
        {"user": member.pk, "site": outsider_site.pk, "external_id": "their-customer"},
    )

    assert response.status_code == 403
    assert not AccountBinding.objects.exists()


def test_erasing_oneself_through_a_signed_link_signs_out_and_says_it_is_done(site, choose):
    choose(site, "cust-7", {"marketing": True}, subject_kind=Subject.Kind.USER)
    client = Client()
    client.get(link(site, "cust-7"))

    response = client.post(f"/account/privacy/{site.key}/erase", {"confirm": "on"}, follow=True)

    assert "Your data has been erased." in response.content.decode()
    assert client.get("/account/privacy/").status_code == 302
