"""The demo customer expresses its privacy policy, and seeding twice changes nothing."""

from io import StringIO

import pytest
from django.contrib.auth import authenticate, get_user_model
from django.core.management import CommandError, call_command

from consent.models import BannerText, BannerVersion, Membership, Organization, Purpose, PurposeTranslation, Site

pytestmark = pytest.mark.django_db

MODELS = [Organization, Site, Purpose, PurposeTranslation, BannerText, BannerVersion, Membership]


def counts():
    return {model.__name__: model.objects.count() for model in MODELS}


def test_seeding_twice_changes_nothing_the_second_time(settings):
    settings.DEBUG = True
    call_command("seed_demo", stdout=StringIO())
    first = counts()
    version = BannerVersion.objects.get()
    call_command("seed_demo", stdout=StringIO())
    assert counts() == first
    assert BannerVersion.objects.get().content_hash == version.content_hash


def test_it_creates_the_contract_site_organization_and_user(demo_site):
    assert demo_site.key == "demo"
    assert demo_site.organization.name == "Demo"
    assert authenticate(username="demo@example.com", password="demo-password") is not None
    assert demo_site.honour_gpc is True
    assert demo_site.locales == ["en", "ja"]
    assert demo_site.privacy_policy_url.startswith("https://")


def test_every_purpose_of_the_policy_has_its_legal_basis(demo_site):
    bases = dict(Purpose.objects.filter(site=demo_site).values_list("slug", "legal_basis"))
    assert bases == {
        "service": "contract",
        "communication": "contract",
        "payments": "contract",
        "legal": "legal_obligation",
        "operations": "legitimate_interest",
        "abuse_prevention": "legitimate_interest",
        "personalization": "legitimate_interest",
        "advertising": "consent",
        "marketing": "consent",
        "promotions": "consent",
    }
    required = set(Purpose.objects.filter(site=demo_site, required=True).values_list("slug", flat=True))
    assert required == {"service", "communication", "payments", "legal"}
    assert list(Purpose.objects.filter(site=demo_site, sale_share=True).values_list("slug", flat=True)) == [
        "advertising"
    ]


def test_the_banner_speaks_the_policys_japanese_and_english(demo_site):
    version = BannerVersion.objects.get(site=demo_site)
    ja = version.content["texts"]["ja"]
    assert ja["title"] == "お客様のプライバシーを尊重し、クッキーの使用に関する情報を提供します。"
    assert ja["body"].startswith(
        "インターアクティは、当社のウェブサイトを適切に機能させるためにクッキーを使用しています。"
    )
    assert version.content["texts"]["en"]["accept_all"] == "Accept all"
    assert set(version.content["texts"]["ja"]["purposes"]) == set(version.content["texts"]["en"]["purposes"])


def test_every_consent_mode_signal_is_controlled_by_some_purpose(demo_site):
    from consent.models import CONSENT_MODE_SIGNALS

    mapped = {s for p in Purpose.objects.filter(site=demo_site) for s in p.consent_mode_signals}
    assert mapped == set(CONSENT_MODE_SIGNALS)


def test_it_refuses_to_create_the_known_superuser_outside_debug(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG=1"):
        call_command("seed_demo", stdout=StringIO())
    assert not get_user_model().objects.exists()
    assert not Site.objects.exists()


def test_a_public_demo_gets_a_random_password_printed_once_never_the_documented_one(settings):
    settings.DEBUG = False
    out = StringIO()
    call_command("seed_demo", "--i-know-this-is-public", stdout=out)
    assert authenticate(username="demo@example.com", password="demo-password") is None
    line = next(line for line in out.getvalue().splitlines() if line.startswith("Sign in as"))
    password = line.split(" / ")[1].split()[0]
    assert authenticate(username="demo@example.com", password=password) is not None
    again = StringIO()
    call_command("seed_demo", "--i-know-this-is-public", stdout=again)
    assert password not in again.getvalue()
