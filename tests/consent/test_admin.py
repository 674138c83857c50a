"""The operator's admin: every model editable, publishing explicit and shown, versions read-only."""

import pytest
from django.urls import reverse

from consent.models import BannerText, BannerVersion, Membership, Organization, Purpose, Site, Subject

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client(client, owner):
    owner.is_staff = owner.is_superuser = True
    owner.save()
    client.force_login(owner)
    return client


@pytest.mark.parametrize("model", [Organization, Site, Purpose, BannerVersion, Subject])
def test_each_changelist_and_change_page_renders(staff_client, site, model):
    opts = model._meta
    assert staff_client.get(reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")).status_code == 200
    obj = model.objects.first()
    if obj is not None:
        url = reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk])
        assert staff_client.get(url).status_code == 200


def test_the_site_page_edits_purposes_and_texts_inline(staff_client, site):
    page = staff_client.get(reverse("admin:consent_site_change", args=[site.pk])).content.decode()
    assert 'name="purposes-0-slug"' in page
    assert 'name="banner_texts-0-accept_all"' in page
    assert "Publish banner" in page


def test_publishing_shows_what_changes_then_publishes(staff_client, site, owner):
    BannerText.objects.filter(site=site).update(accept_all="Allow all")
    url = reverse("admin:consent_site_publish", args=[site.pk])
    preview = staff_client.get(url).content.decode()
    assert "texts.en.accept_all: &#x27;Accept all&#x27; → &#x27;Allow all&#x27;" in preview
    assert site.banner_versions.count() == 1
    staff_client.post(url, {"material": "on"})
    version = site.banner_versions.order_by("-number").first()
    assert version.number == 2
    assert version.material is True
    assert version.published_by == owner


def test_operator_text_is_escaped_in_the_publish_preview(staff_client, site):
    BannerText.objects.filter(site=site).update(title="<script>alert(1)</script>")
    preview = staff_client.get(reverse("admin:consent_site_publish", args=[site.pk])).content.decode()
    assert "<script>alert(1)</script>" not in preview


def test_banner_versions_cannot_be_changed_or_deleted(staff_client, site):
    version = site.banner_versions.get()
    change = reverse("admin:consent_bannerversion_change", args=[version.pk])
    staff_client.post(change, {"material": ""})
    version.refresh_from_db()
    assert version.material is True
    delete = reverse("admin:consent_bannerversion_delete", args=[version.pk])
    assert staff_client.post(delete, {"post": "yes"}).status_code == 403
    assert BannerVersion.objects.filter(pk=version.pk).exists()


def test_a_new_site_from_the_admin_gets_an_identity_secret(staff_client, organization):
    response = staff_client.post(
        reverse("admin:consent_site_add"),
        {
            "organization": organization.pk,
            "name": "New",
            "key": "new-site",
            "allowed_origins": '["https://new.example"]',
            "locales": '["en"]',
            "default_locale": "en",
            "consent_lifetime_days": 180,
            "honour_gpc": "on",
            "privacy_policy_url": "https://new.example/privacy",
            "cookie_domain": "",
            "erasure_retention_days": 2000,
            "purposes-TOTAL_FORMS": 0,
            "purposes-INITIAL_FORMS": 0,
            "banner_texts-TOTAL_FORMS": 0,
            "banner_texts-INITIAL_FORMS": 0,
            "regulations-TOTAL_FORMS": 0,
            "regulations-INITIAL_FORMS": 0,
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    site = Site.objects.get(key="new-site")
    assert len(site.identity_secret) >= 40


def test_memberships_are_managed_on_the_organization(staff_client, organization):
    page = staff_client.get(reverse("admin:consent_organization_change", args=[organization.pk])).content.decode()
    assert 'name="memberships-0-role"' in page
    assert Membership.objects.filter(organization=organization).count() == 2


@pytest.fixture
def erasable(site):
    from consent.services import consent_record

    subject, _ = consent_record(
        site=site,
        external_id="user-5",
        subject_kind=Subject.Kind.USER,
        choices={"marketing": True},
        source="api",
        method="api",
        locale="",
    )
    return subject


def test_a_subject_cannot_be_deleted_from_the_admin(staff_client, erasable):
    delete = reverse("admin:consent_subject_delete", args=[erasable.pk])
    changelist = reverse("admin:consent_subject_changelist")

    assert staff_client.post(delete, {"post": "yes"}).status_code == 403
    staff_client.post(changelist, {"action": "delete_selected", "_selected_action": [erasable.pk], "post": "yes"})

    assert Subject.objects.filter(pk=erasable.pk).exists()


def test_the_admins_erase_action_goes_through_erasure(staff_client, site, erasable, settings):
    from consent.accounts.models import Erasure
    from consent.hooks.models import Delivery
    from consent.hooks.services import destination_create
    from ledger import selectors as ledger_selectors

    settings.ASSENT_ALLOW_PRIVATE_DESTINATIONS = True
    destination_create(site=site, url="http://127.0.0.1:9/hooks", purposes=[])
    changelist = reverse("admin:consent_subject_changelist")

    staff_client.post(changelist, {"action": "erase", "_selected_action": [erasable.pk]})

    assert not Subject.objects.filter(pk=erasable.pk).exists()
    erasure = Erasure.objects.get(site=site)
    assert erasure.source == "operator"
    events = ledger_selectors.subject_events(site=site.key, subject=erasable.pseudonym)
    assert events[0].kind == "erased"
    assert Delivery.objects.filter(event_type="subject.erased").exists()


def test_the_servers_root_leads_to_the_console_sign_in(client):
    response = client.get("/", follow=True)
    assert response.redirect_chain[0] == (reverse("admin:index"), 302)
    assert response.status_code == 200
    assert response.request["PATH_INFO"] == reverse("admin:login")
