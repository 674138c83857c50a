"""Per-vendor choices are switched on where purposes are edited, by the site's own organization only."""

import json

import pytest
from django.urls import reverse

from consent.models import Purpose

pytestmark = pytest.mark.django_db


def _form(client, url):
    """Return the change form's current values as the browser would post them back."""
    response = client.get(url)
    assert response.status_code == 200
    data = {}
    for form in [
        response.context["adminform"].form,
        *[f for fs in response.context["inline_admin_formsets"] for f in fs.formset.forms],
    ]:
        for name in form.fields:
            value = form[name].value()
            if value is None or value is False:
                continue
            data[form.add_prefix(name)] = json.dumps(value) if isinstance(value, list | dict) else value
    for formset in response.context["inline_admin_formsets"]:
        management = formset.formset.management_form
        for name in management.fields:
            data[management.add_prefix(name)] = management[name].value()
    return data


def test_the_owner_turns_on_per_vendor_choices_and_bare_names_get_their_slugs(client, owner, site):
    purpose = site.purposes.get(slug="analytics")
    url = reverse("admin:consent_purpose_change", args=[purpose.pk])
    client.force_login(owner)
    data = _form(client, url)
    data.update(vendors=json.dumps(["Google Analytics", {"slug": "hj", "name": "Hotjar"}]), per_vendor="on")
    response = client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else response
    purpose.refresh_from_db()
    assert purpose.per_vendor is True
    assert purpose.vendors == [
        {"slug": "google-analytics", "name": "Google Analytics"},
        {"slug": "hj", "name": "Hotjar"},
    ]


def test_a_bad_vendor_is_refused_in_the_form_and_nothing_saved(client, owner, site):
    purpose = site.purposes.get(slug="analytics")
    url = reverse("admin:consent_purpose_change", args=[purpose.pk])
    client.force_login(owner)
    data = _form(client, url)
    data.update(vendors=json.dumps([{"slug": "Bad Slug", "name": "X"}]), per_vendor="on")
    response = client.post(url, data)
    assert response.status_code == 200
    assert "vendors" in response.context["adminform"].form.errors
    assert Purpose.objects.get(pk=purpose.pk).per_vendor is False


def test_an_outsider_can_neither_see_nor_change_a_purposes_vendors(client, outsider, outsider_site, site):
    purpose = site.purposes.get(slug="analytics")
    url = reverse("admin:consent_purpose_change", args=[purpose.pk])
    client.force_login(outsider)
    assert client.get(url).status_code == 404
    assert client.post(url, {"vendors": json.dumps(["Evil"]), "per_vendor": "on"}).status_code == 404
    purpose.refresh_from_db()
    assert purpose.per_vendor is False
    assert purpose.vendors == []
