"""Theming a site's banner in the console: checked on save, scoped to the site's organization, previewed."""

import json

import pytest
from django.urls import reverse

from consent.banner.models import BannerTheme
from tests.console.test_preview import script_url

pytestmark = pytest.mark.django_db

ADD = reverse("admin:banner_bannertheme_add")
CHANGELIST = reverse("admin:banner_bannertheme_changelist")


def form(site, **values):
    data = {
        "site": site.pk,
        "text_colour": "#1a1a1a",
        "background_colour": "#ffffff",
        "button_background": "#1d4ed8",
        "button_text": "#ffffff",
        "link_colour": "#1d4ed8",
        "font_family": "",
        "corner_radius": 6,
        "position": "bar-bottom",
        "button_order": "accept-first",
    }
    return data | values


def change_url(theme):
    return reverse("admin:banner_bannertheme_change", args=[theme.pk])


def test_an_admin_themes_their_site_from_the_console(site, acme_admin, client):
    client.force_login(acme_admin)
    page = client.get(ADD).content.decode()
    assert 'type="color"' in page
    assert "<datalist" in page  # the font presets
    dark = {
        "background_colour": "#111827",
        "text_colour": "#f5f5f5",
        "link_colour": "#93c5fd",
        "button_background": "#fbbf24",
        "button_text": "#111827",
    }
    response = client.post(ADD, form(site, **dark))
    assert response.status_code == 302, response.context["adminform"].form.errors
    theme = BannerTheme.objects.get(site=site)
    assert theme.background_colour == "#111827"


def test_a_save_with_low_contrast_is_refused_naming_field_and_ratio_and_writes_nothing(site, acme_admin, client):
    client.force_login(acme_admin)
    response = client.post(ADD, form(site, text_colour="#777777"))
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert list(errors) == ["text_colour"]
    assert "4.48:1" in errors["text_colour"][0]
    assert not BannerTheme.objects.exists()

    theme = BannerTheme.objects.create(site=site)
    response = client.post(change_url(theme), form(site, button_background="#f0f0f0", button_text="#1a1a1a"))
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert list(errors) == ["button_background"]
    assert "3:1" in errors["button_background"][0]
    theme.refresh_from_db()
    assert theme.button_background == "#1d4ed8"


def test_a_font_that_could_be_css_is_refused_in_the_form(site, acme_admin, client):
    client.force_login(acme_admin)
    response = client.post(ADD, form(site, font_family="x; background: url(https://evil.example/)"))
    assert response.status_code == 200
    assert list(response.context["adminform"].form.errors) == ["font_family"]
    assert not BannerTheme.objects.exists()


def test_an_analyst_may_look_at_the_theme_but_not_change_it(site, analyst, client):
    theme = BannerTheme.objects.create(site=site)
    client.force_login(analyst)
    assert client.get(change_url(theme)).status_code == 200
    assert client.post(change_url(theme), form(site, position="modal")).status_code == 403
    assert client.post(ADD, form(site)).status_code == 403
    theme.refresh_from_db()
    assert theme.position == "bar-bottom"


def test_an_outsider_never_sees_nor_changes_another_organizations_theme(site, outsider_site, outsider, client):
    theme = BannerTheme.objects.create(site=site, background_colour="#111827", text_colour="#f5f5f5")
    client.force_login(outsider)
    listed = client.get(CHANGELIST)
    assert listed.status_code == 200
    assert theme.pk not in {row.pk for row in listed.context["cl"].result_list}
    assert "#111827" not in listed.content.decode()
    assert client.get(change_url(theme)).status_code == 404
    assert client.post(change_url(theme), form(site, background_colour="#ffffff")).status_code == 404
    delete = reverse("admin:banner_bannertheme_delete", args=[theme.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 404
    # Their own site is offered; Acme's is not, so a theme cannot be attached to it.
    offered = client.get(ADD).context["adminform"].form.fields["site"].queryset
    assert list(offered) == [outsider_site]
    response = client.post(ADD, form(site, position="modal"))
    assert response.status_code == 200
    assert list(response.context["adminform"].form.errors) == ["site"]
    theme.refresh_from_db()
    assert (theme.background_colour, theme.position) == ("#111827", "bar-bottom")
    assert BannerTheme.objects.count() == 1


def test_the_preview_shows_the_draft_theme_before_it_is_published(acme, acme_admin, client):
    theme = BannerTheme.objects.get(site=acme.site)
    theme.position = "modal"
    theme.background_colour = "#fefce8"
    theme.save()
    assert "theme" not in acme.site.banner_versions.get().content
    client.force_login(acme_admin)
    url = script_url(client, acme.site)
    client.logout()
    body = client.get(url).content.decode()
    config = json.loads(body[body.rindex("})(") + 3 : body.rindex(");")])
    assert config["theme"]["position"] == "modal"
    assert config["theme"]["vars"]["--bg"] == "#fefce8"
