"""Placeholders for gated embeds: a bundle only the sites that enable them send, frozen into the version."""

from consent import services
from consent.banner.selectors import EMBEDS_BUNDLE_PATH, bundle_text
from consent.models import BannerVersion


def test_a_site_without_placeholders_never_sends_the_embeds_bundle(client, site):
    body = client.get("/c/acme.js").content
    assert bundle_text(EMBEDS_BUNDLE_PATH).encode() not in body
    assert "embeds" not in site.banner_versions.get().content


def test_enabling_placeholders_publishes_a_version_whose_script_carries_them(client, site):
    site.banner_placeholders = True
    site.save(update_fields=["banner_placeholders"])
    version, created = services.banner_publish(site=site, material=False)
    assert created
    assert version.content["embeds"] is True
    body = client.get("/c/acme.js").content.decode()
    # Inside the call that passes the configuration, after the banner it drives.
    assert body.index(bundle_text()) < body.index(bundle_text(EMBEDS_BUNDLE_PATH)) < body.rindex("})(")
    assert '"embeds":true' in body


def test_the_flag_counts_only_once_published(client, site):
    site.banner_placeholders = True
    site.save(update_fields=["banner_placeholders"])
    assert BannerVersion.objects.filter(site=site).count() == 1
    assert bundle_text(EMBEDS_BUNDLE_PATH) not in client.get("/c/acme.js").content.decode()
