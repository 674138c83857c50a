"""The cookie declaration: Purpose.cookies may carry provider, duration and party, validated at save."""

import pytest
from django.core.exceptions import ValidationError

from consent import services
from consent.banner.selectors import DECLARATION_BUNDLE_PATH, banner_config, bundle_text, version_latest
from consent.models import Purpose

GA = {"name": "_ga", "provider": "Google", "duration": "2 years", "party": "third", "description": "Counts visits."}


def test_bare_names_keep_the_old_shape_and_the_versions_hash(site):
    before = version_latest(site=site)
    _, created = services.banner_publish(site=site, material=False)
    assert not created
    assert "declaration" not in before.content["purposes"][2]


def test_declaration_objects_are_frozen_and_withdrawal_still_gets_names(site):
    analytics = site.purposes.get(slug="analytics")
    analytics.cookies = [GA, "_ga_*"]
    analytics.full_clean()
    analytics.save()
    version, created = services.banner_publish(site=site, material=False)
    assert created
    frozen = next(p for p in banner_config(site=site, version=version)["purposes"] if p["slug"] == "analytics")
    assert frozen["cookies"] == ["_ga", "_ga_*"]
    assert frozen["declaration"] == [
        GA,
        {"name": "_ga_*", "provider": "", "duration": "", "party": "first", "description": ""},
    ]


@pytest.mark.parametrize(
    "cookies",
    [
        "_ga",
        [""],
        [42],
        [{"provider": "Google"}],
        [{**GA, "party": "fourth"}],
        [{**GA, "style": "color: red"}],
        [{**GA, "description": "x" * 501}],
        [{**GA, "duration": 2}],
    ],
)
def test_a_malformed_declaration_is_refused_at_save(site, cookies):
    purpose = site.purposes.get(slug="analytics")
    purpose.cookies = cookies
    with pytest.raises(ValidationError) as raised:
        purpose.full_clean()
    assert "cookies" in raised.value.message_dict
    assert Purpose.objects.get(pk=purpose.pk).cookies == ["_analytics"]


def _declare(site):
    analytics = site.purposes.get(slug="analytics")
    analytics.cookies = [GA]
    analytics.full_clean()
    analytics.save()


def test_a_site_of_bare_cookie_names_never_sends_the_declaration_bundle(client, site):
    assert bundle_text(DECLARATION_BUNDLE_PATH) not in client.get("/c/acme.js").content.decode()


def test_a_published_declaration_brings_its_bundle_after_the_banner(client, site):
    _declare(site)
    # Saved but not yet published: the script still shows what the visitor was last shown.
    assert bundle_text(DECLARATION_BUNDLE_PATH) not in client.get("/c/acme.js").content.decode()
    services.banner_publish(site=site, material=False)
    body = client.get("/c/acme.js").content.decode()
    assert body.index(bundle_text()) < body.index(bundle_text(DECLARATION_BUNDLE_PATH)) < body.rindex("})(")
    assert '"provider":"Google"' in body
