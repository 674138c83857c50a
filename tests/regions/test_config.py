"""The config and the script answer per region: the regulation that applies, cacheable per region."""

import pytest

from consent.banner.selectors import REGIONAL_BUNDLE_PATH, bundle_text

pytestmark = pytest.mark.django_db

CONFIG = "/api/v1/public/sites/demo/config"


@pytest.fixture
def cloudflare(settings):
    settings.ASSENT_REGION_HEADERS = "cloudflare"


@pytest.mark.parametrize(
    ("headers", "slug"),
    [
        ({"HTTP_CF_IPCOUNTRY": "US", "HTTP_CF_REGION_CODE": "CA"}, "us-ca"),
        ({"HTTP_CF_IPCOUNTRY": "US", "HTTP_CF_REGION_CODE": "TX"}, "us"),
        ({"HTTP_CF_IPCOUNTRY": "DE"}, "gdpr"),
        ({"HTTP_CF_IPCOUNTRY": "JP"}, "appi"),
        ({"HTTP_CF_IPCOUNTRY": "BR"}, "default"),
        ({}, "default"),
    ],
)
def test_the_config_carries_the_regulation_of_the_visitors_region(client, demo_site, cloudflare, headers, slug):
    response = client.get(CONFIG, **headers)
    assert response.status_code == 200
    assert response.json()["regulation"]["slug"] == slug
    assert {"Cf-Ipcountry", "Cf-Region-Code"} <= {v.strip() for v in response["Vary"].split(",")}


def test_a_header_the_operator_did_not_name_changes_nothing(client, demo_site, settings):
    settings.ASSENT_REGION_HEADERS = ""
    response = client.get(CONFIG, HTTP_CF_IPCOUNTRY="US", HTTP_CF_REGION_CODE="CA")
    assert response.json()["regulation"]["slug"] == "default"


def test_the_opt_out_regulation_tells_the_banner_what_it_needs(client, demo_site, cloudflare):
    regulation = client.get(CONFIG, HTTP_CF_IPCOUNTRY="US", HTTP_CF_REGION_CODE="CA").json()["regulation"]
    assert regulation["model"] == "opt_out"
    assert regulation["gpc"] is True
    assert regulation["gpp_sections"] == ["usca"]
    assert regulation["texts"]["en"]["choices_link"] == "Your Privacy Choices"
    assert "response_days" not in regulation  # deadlines are the server's business


def test_only_opt_out_and_notice_pages_carry_the_regional_bundle(client, demo_site, cloudflare):
    us = client.get("/c/demo.js", HTTP_CF_IPCOUNTRY="US", HTTP_CF_REGION_CODE="CA").content
    jp = client.get("/c/demo.js", HTTP_CF_IPCOUNTRY="JP").content
    eu = client.get("/c/demo.js", HTTP_CF_IPCOUNTRY="DE").content
    regional = bundle_text(REGIONAL_BUNDLE_PATH).encode()
    assert regional in us
    assert regional in jp
    assert regional not in eu


def test_a_visitor_cannot_pick_their_own_law_outside_debug(client, demo_site, settings):
    settings.DEBUG = False
    assert client.get(CONFIG, {"region": "US-CA"}).json()["regulation"]["slug"] == "default"


def test_an_operator_previews_any_region_and_the_answer_stays_private(client, demo_site, settings, owner):
    settings.DEBUG = False
    owner.is_staff = True
    owner.save()
    client.force_login(owner)
    response = client.get(CONFIG, {"region": "US-CA"})
    assert response.json()["regulation"]["slug"] == "us-ca"
    assert response["Cache-Control"].startswith("private")


def test_development_honours_the_preview_parameter(client, demo_site, settings):
    settings.DEBUG = True
    assert client.get(CONFIG, {"region": "JP"}).json()["regulation"]["slug"] == "appi"
    assert client.get(CONFIG, {"region": "not a region"}).json()["regulation"]["slug"] == "default"


def test_the_demo_page_previews_a_region_through_its_script_tag(client, demo_site):
    assert '/c/demo.js?region=US-CA"' in client.get("/demo/", {"region": "us-ca"}).content.decode()
    assert '/c/demo.js"' in client.get("/demo/", {"region": "<x>"}).content.decode()
