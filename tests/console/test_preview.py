"""The banner preview on the publish page: framed, sandboxed, scoped, and never recording anything."""

import json

import pytest
from django.urls import reverse

from consent.banner.models import DailyCount
from consent.models import BannerText

pytestmark = pytest.mark.django_db


def preview_url(site, locale="en", layer="banner"):
    return reverse("admin:console_preview", args=[site.key, locale, layer])


def script_url(client, site):
    page = client.get(preview_url(site)).content.decode()
    return page.split('<script src="')[2].split('"')[0].replace("&amp;", "&")


def test_the_publish_page_frames_each_locale_and_layer_in_a_sandbox(acme, acme_admin, client):
    client.force_login(acme_admin)
    page = client.get(reverse("admin:consent_site_publish", args=[acme.site.pk])).content.decode()
    for locale in acme.site.locales:
        for layer in ("banner", "preferences"):
            assert f'<iframe sandbox="allow-scripts" title="Banner preview, {locale}' in page
            assert preview_url(acme.site, locale, layer) in page


def test_the_preview_runs_the_real_bundle_with_the_draft_and_may_not_connect(acme, acme_admin, client):
    BannerText.objects.filter(site=acme.site).update(title="Draft title, not yet live")
    client.force_login(acme_admin)
    response = client.get(preview_url(acme.site))
    assert response.status_code == 200
    assert "connect-src 'none'" in response["Content-Security-Policy"]
    assert response["X-Frame-Options"] == "SAMEORIGIN"
    url = script_url(client, acme.site)
    client.logout()  # the sandboxed frame has no session: the signed URL is its only key
    body = client.get(url).content.decode()
    config = json.loads(body[body.rindex("})(") + 3 : body.rindex(");")])
    assert config["texts"]["en"]["title"] == "Draft title, not yet live"
    assert set(config["endpoints"].values()) == {"about:blank"}


def _script(acme, user):
    from django.test import Client

    client = Client()
    client.force_login(user)
    return script_url(client, acme.site)


def test_the_preview_script_needs_a_valid_token_for_that_site(acme, outsider_site, acme_admin, client):
    url = _script(acme, acme_admin)
    assert client.get(url).status_code == 200
    assert client.get(url.split("?")[0]).status_code == 404
    assert client.get(url[:-3] + "abc").status_code == 404
    other = url.replace(f"/sites/{acme.site.key}/", f"/sites/{outsider_site.key}/")
    assert client.get(other).status_code == 404


def test_outsiders_and_unknown_locales_get_no_preview(acme, outsider, outsider_site, acme_admin, client):
    client.force_login(outsider)
    assert client.get(preview_url(acme.site)).status_code == 404
    client.force_login(acme_admin)
    assert client.get(preview_url(acme.site, locale="xx")).status_code == 404
    assert client.get(preview_url(acme.site, layer="other")).status_code == 404


def test_opening_a_preview_records_no_impression(acme, acme_admin, client):
    before = list(DailyCount.objects.values_list("shown", flat=True))
    client.force_login(acme_admin)
    client.get(preview_url(acme.site))
    assert list(DailyCount.objects.values_list("shown", flat=True)) == before
