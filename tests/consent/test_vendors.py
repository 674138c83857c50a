"""Per-vendor choices within a purpose: the operator's vendors, the version that lists them, the write."""

import hashlib
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from consent.accounts.services import subject_identify
from consent.models import Purpose, Site
from consent.services import ConsentInputError, banner_publish, canonical_json, consent_record
from consent.tasks import consent_expire
from ledger import selectors as ledger_selectors
from ledger.models import Event
from tests.accounts.conftest import identify_token

pytestmark = pytest.mark.django_db

VENDORS = [{"slug": "ga", "name": "Google Analytics"}, "Hotjar Ltd."]


def vendors_enable(site: Site, purpose: str = "analytics", vendors: list | None = None) -> Purpose:
    """Give a purpose per-vendor choices (vendors ga and hotjar-ltd by default) and publish the change."""
    row = Purpose.objects.get(site=site, slug=purpose)
    row.vendors = list(VENDORS if vendors is None else vendors)
    row.per_vendor = True
    row.full_clean()
    row.save()
    banner_publish(site=site, material=False)
    return row


def choose(site: Site, external_id: str, choices: dict, **options):
    options.setdefault("banner_version", site.banner_versions.order_by("-number").first().content_hash)
    options.setdefault("method", "custom")
    return consent_record(site=site, external_id=external_id, choices=choices, source="banner", locale="en", **options)


def state(site: Site, external_id: str) -> dict[str, bool]:
    subject = site.subjects.get(external_id=external_id)
    rows = ledger_selectors.subject_state(site=site.key, subject=subject.pseudonym)
    return {key: row.granted for key, row in rows.items()}


def test_a_bare_vendor_name_is_given_its_slug_once(site):
    row = vendors_enable(site)
    assert row.vendors == [{"slug": "ga", "name": "Google Analytics"}, {"slug": "hotjar-ltd", "name": "Hotjar Ltd."}]
    row.vendors[1]["name"] = "Hotjar"
    row.full_clean()
    assert row.vendors[1] == {"slug": "hotjar-ltd", "name": "Hotjar"}


@pytest.mark.parametrize(
    ("vendors", "message"),
    [
        ([], "at least one vendor"),
        ([{"slug": "GA", "name": "Google"}], "slug is 1 to 32"),
        ([{"slug": "ga", "name": "A"}, {"slug": "ga", "name": "B"}], "is taken"),
        (["!!!"], "no slug can be derived"),
        ([{"name": "A", "url": "x"}], "unknown keys"),
        ([{"slug": "x" * 32, "name": "Long"}], None),
    ],
)
def test_it_refuses_vendors_a_per_vendor_purpose_cannot_record(site, vendors, message):
    row = Purpose.objects.get(site=site, slug="analytics")
    row.vendors, row.per_vendor = vendors, True
    if message is None:
        row.slug = "a" * 40  # 40 + 1 + 32 > 64, the ledger's key length
        message = "longer than 64"
    with pytest.raises(ValidationError, match=message):
        row.clean()


def test_a_version_without_per_vendor_purposes_keeps_its_content_hash(site):
    Purpose.objects.filter(site=site, slug="analytics").update(vendors=["Google Analytics"])
    version, _ = banner_publish(site=site, material=False)
    assert "vendor_choices" not in canonical_json(version.content).decode()
    assert version.content["purposes"][2]["vendors"] == ["Google Analytics"]
    assert version.content_hash == hashlib.sha256(canonical_json(version.content)).hexdigest()


def test_a_per_vendor_purpose_lists_its_vendors_with_their_keys(site):
    vendors_enable(site)
    content = site.banner_versions.order_by("-number").first().content
    analytics = next(p for p in content["purposes"] if p["slug"] == "analytics")
    assert analytics["vendors"] == ["Google Analytics", "Hotjar Ltd."]
    assert analytics["vendor_choices"] == [
        {"key": "analytics:ga", "slug": "ga", "name": "Google Analytics"},
        {"key": "analytics:hotjar-ltd", "slug": "hotjar-ltd", "name": "Hotjar Ltd."},
    ]


def test_it_records_vendor_decisions_beside_the_purpose(site):
    vendors_enable(site)
    _, receipt = choose(site, "v1", {"analytics": True, "analytics:ga": True, "analytics:hotjar-ltd": False})
    assert state(site, "v1") == {
        "essential": True,
        "analytics": True,
        "analytics:ga": True,
        "analytics:hotjar-ltd": False,
    }
    kinds = dict(Event.objects.filter(receipt_id=receipt.id).values_list("purpose", "kind"))
    assert kinds["analytics:ga"] == "opted_in"
    assert kinds["analytics:hotjar-ltd"] == "opted_out"


@pytest.mark.parametrize(
    ("key", "per_vendor"),
    [("analytics:unknown", True), ("marketing:ga", True), ("analytics:ga", False), ("nothing:ga", True)],
)
def test_it_refuses_a_vendor_key_the_version_does_not_offer_naming_it_and_writes_nothing(site, key, per_vendor):
    if per_vendor:
        vendors_enable(site)
    else:
        Purpose.objects.filter(site=site, slug="analytics").update(vendors=["ga"])
        banner_publish(site=site, material=False)
    with pytest.raises(ConsentInputError) as refused:
        choose(site, "v1", {"analytics": True, key: True})
    assert refused.value.field == f"choices.{key}"
    assert not Event.objects.exists()


def test_a_choice_outside_the_banner_is_checked_against_the_purposes_as_they_are(site):
    vendors_enable(site)
    choose(site, "v1", {"analytics:ga": False}, banner_version="", method="api")
    assert state(site, "v1")["analytics:ga"] is False
    with pytest.raises(ConsentInputError, match=r"choices\.analytics:nope"):
        choose(site, "v1", {"analytics:nope": False}, banner_version="", method="api")


def test_an_older_version_without_vendors_refuses_vendor_keys(site):
    old = site.banner_versions.get().content_hash
    vendors_enable(site)
    with pytest.raises(ConsentInputError, match=r"choices\.analytics:ga"):
        choose(site, "v1", {"analytics:ga": True}, banner_version=old)


def test_accept_all_grants_every_vendor_and_reject_all_refuses_them(site):
    vendors_enable(site)
    choose(site, "v1", {"analytics": True, "marketing": True}, method="accept_all")
    assert state(site, "v1")["analytics:ga"] is True
    assert state(site, "v1")["analytics:hotjar-ltd"] is True
    choose(site, "v1", {"analytics": False, "marketing": False}, method="reject_all")
    assert state(site, "v1")["analytics:ga"] is False
    assert state(site, "v1")["analytics:hotjar-ltd"] is False


def test_a_required_purposes_vendors_are_always_on(site):
    vendors_enable(site, purpose="essential", vendors=["Stripe"])
    choose(site, "v1", {"analytics": False})
    assert state(site, "v1")["essential:stripe"] is True
    with pytest.raises(ConsentInputError, match="required"):
        choose(site, "v1", {"essential:stripe": False})


def test_switching_off_a_vendor_of_a_legitimate_interest_is_an_objection(site):
    vendors_enable(site, purpose="personalization", vendors=["Recommender"])
    _, receipt = choose(site, "v1", {"personalization": True, "personalization:recommender": False})
    kinds = dict(Event.objects.filter(receipt_id=receipt.id).values_list("purpose", "kind"))
    assert kinds["personalization:recommender"] == "objected"


def test_a_visitors_vendor_decisions_follow_them_to_their_user_on_sign_in(site):
    vendors_enable(site)
    choose(site, "visitor-1", {"analytics": True, "analytics:ga": True, "analytics:hotjar-ltd": False})
    subject_identify(site=site, visitor_id="visitor-1", user_id="user-1", token=identify_token(site, "user-1"))
    user = site.subjects.get(external_id="user-1", kind="user")
    rows = ledger_selectors.subject_state(site=site.key, subject=user.pseudonym)
    assert rows["analytics:hotjar-ltd"].granted is False
    assert rows["analytics:ga"].granted is True


def test_a_vendors_lapsed_grant_expires_with_its_purpose(site):
    vendors_enable(site)
    choose(site, "v1", {"analytics": True, "analytics:ga": True, "analytics:hotjar-ltd": False})
    later = timezone.now() + timedelta(days=366)
    consent_expire(now=later)
    subject = site.subjects.get(external_id="v1")
    rows = ledger_selectors.subject_state(site=site.key, subject=subject.pseudonym)
    assert rows["analytics"].kind == "expired"
    assert rows["analytics:ga"].kind == "expired"
    assert rows["analytics:hotjar-ltd"].kind == "opted_out"  # a refusal has no lifetime to run out
    assert not ledger_selectors.states_due_for_expiry(now=later)
