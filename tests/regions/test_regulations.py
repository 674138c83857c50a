"""Regulations are data: validated, published into banner versions, seeded for the demo customer."""

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError

from consent import services
from consent.regions.models import Regulation
from consent.services import BannerIncomplete

pytestmark = pytest.mark.django_db


def test_regions_must_be_iso_codes_or_named_groups(site):
    regulation = Regulation(site=site, slug="gdpr", name="GDPR", regions=["EEA", "GB", "US-CA"])
    regulation.full_clean()
    regulation.regions = ["Germany"]
    with pytest.raises(ValidationError, match="not an ISO 3166 code"):
        regulation.full_clean()


def test_a_site_has_at_most_one_default_regulation(site):
    Regulation.objects.create(site=site, slug="one", name="One", is_default=True)
    with pytest.raises(IntegrityError):
        Regulation.objects.create(site=site, slug="two", name="Two", is_default=True)


def test_publishing_freezes_the_regulations_into_the_version_so_its_hash_proves_them(site):
    before, _ = services.banner_publish(site=site, material=True)
    assert "regulations" not in before.content  # sites without regulations keep their versions
    Regulation.objects.create(site=site, slug="us", name="US", model="opt_out", regions=["US"], gpc_binds=True)
    after, _ = services.banner_publish(site=site, material=True)
    assert after.content_hash != before.content_hash
    assert after.content["regulations"][0] | {"texts": {}} == {
        "slug": "us",
        "name": "US",
        "model": "opt_out",
        "regions": ["US"],
        "default": False,
        "opt_in_purposes": [],
        "gpc": True,
        "gpp_sections": [],
        "response_days": 30,
        "extension_days": 30,
        "texts": {},
    }


def test_a_regulation_naming_an_unknown_purpose_cannot_be_published(site):
    Regulation.objects.create(site=site, slug="appi", name="APPI", model="notice", opt_in_purposes=["nope"])
    with pytest.raises(BannerIncomplete, match="unknown purposes"):
        services.banner_publish(site=site, material=True)


def test_the_demo_expresses_the_policys_regimes(demo_site):
    version = services.banner_publish(site=demo_site, material=False)[0]
    regulations = {r["slug"]: r for r in version.content["regulations"]}
    assert regulations["gdpr"]["model"] == "opt_in"
    assert regulations["us-ca"]["model"] == "opt_out"
    assert regulations["us-ca"]["gpc"] is True
    assert regulations["us-ca"]["gpp_sections"] == ["usca"]
    assert (regulations["us"]["response_days"], regulations["us"]["extension_days"]) == (45, 45)
    assert (regulations["gdpr"]["response_days"], regulations["gdpr"]["extension_days"]) == (30, 30)
    assert regulations["appi"]["model"] == "notice"
    assert regulations["appi"]["opt_in_purposes"] == ["advertising"]
    assert regulations["appi"]["texts"]["ja"]["notice_title"] == "Cookieについて"
    assert [r["slug"] for r in version.content["regulations"] if r["default"]] == ["default"]
