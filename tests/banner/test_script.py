import json
import re

from consent import services
from consent.banner.selectors import bundle_text
from consent.models import BannerText


def _inlined_config(body: bytes) -> dict:
    match = re.search(rb"\}\)\((\{.*\})\);\n$", body, re.S)
    assert match, "the script ends by calling the bundle with the site's configuration"
    return json.loads(match.group(1))


def test_the_script_is_the_bundle_with_the_sites_published_version_inlined(client, site):
    response = client.get("/c/acme.js")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/javascript")
    assert bundle_text().encode() in response.content
    config = _inlined_config(response.content)
    assert config["banner_version"] == site.banner_versions.get().content_hash
    assert [p["slug"] for p in config["purposes"]] == ["essential", "personalization", "analytics", "marketing"]


def test_the_script_is_cacheable_and_revalidates_with_its_etag(client, site):
    first = client.get("/c/acme.js")
    assert "max-age=300" in first["Cache-Control"]
    assert first["Access-Control-Allow-Origin"] == "*"
    again = client.get("/c/acme.js", HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304
    assert again.content == b""


def test_a_newly_published_version_changes_the_script_and_its_etag(client, site):
    first = client.get("/c/acme.js")
    BannerText.objects.filter(site=site).update(title="We changed our words")
    version, created = services.banner_publish(site=site, material=True)
    assert created
    second = client.get("/c/acme.js", HTTP_IF_NONE_MATCH=first["ETag"])
    assert second.status_code == 200
    config = _inlined_config(second.content)
    assert config["banner_version"] == version.content_hash
    assert config["revision"] == 2
    assert config["texts"]["en"]["title"] == "We changed our words"


def test_a_non_material_change_keeps_the_revision_so_nobody_is_asked_again(client, site):
    BannerText.objects.filter(site=site).update(body="Typo fixed.")
    services.banner_publish(site=site, material=False)
    config = _inlined_config(client.get("/c/acme.js").content)
    assert (config["number"], config["revision"]) == (2, 1)


def test_the_pinned_script_is_immutable_and_matches_its_integrity(client, site):
    embed = client.get("/api/v1/public/sites/acme/embed").json()
    pinned = client.get(embed["pinned"]["src"].removeprefix("http://testserver"))
    assert pinned.status_code == 200
    assert "immutable" in pinned["Cache-Control"]
    import base64
    import hashlib

    digest = base64.b64encode(hashlib.sha384(pinned.content).digest()).decode()
    assert embed["pinned"]["integrity"] == f"sha384-{digest}"


def test_a_pinned_url_whose_bytes_would_change_is_refused(client, site):
    src = client.get("/api/v1/public/sites/acme/embed").json()["pinned"]["src"]
    site.consent_lifetime_days = 30
    site.save()
    assert client.get(src.removeprefix("http://testserver")).status_code == 404


def test_an_unknown_site_gets_a_harmless_404_script(client, db):
    response = client.get("/c/nobody.js")
    assert response.status_code == 404
    assert response.content.startswith(b"console.warn(")
