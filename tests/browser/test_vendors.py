"""Per-vendor choices in a real Chromium: the toggles under a purpose, the gate, the POST, the reload."""

import json

import pytest

from consent.models import Organization, Purpose, Site
from consent.services import banner_publish
from tests import factories
from tests.browser.helpers import AXE, AXE_BANNER, Trackers, choice_posted, stored_choice

pytestmark = pytest.mark.browser

PAGE = """<!doctype html><html lang="en"><head><title>Vendors</title><script src="{live}/c/{key}.js"></script></head>
<body><main><h1>Vendors</h1>
<script type="text/plain" data-assent="analytics:a">window.__ran = (window.__ran || []).concat('a');</script>
<script type="text/plain" data-assent="analytics:b">window.__ran = (window.__ran || []).concat('b');</script>
<script type="text/plain" data-assent="analytics">window.__ran = (window.__ran || []).concat('analytics');</script>
</main></body></html>"""


def _site(live: str, key: str) -> Site:
    """A committed site whose analytics is chosen per vendor (Vendor A, Vendor B), its page origin allowed."""
    site = Site.objects.filter(key=key).first()
    if site is None:
        site = factories.published_site(organization=Organization.objects.create(name=key), key=key)
        site.allowed_origins = [live]
        site.save(update_fields=["allowed_origins"])
        analytics = site.purposes.get(slug="analytics")
        analytics.vendors = [{"slug": "a", "name": "Vendor A"}, {"slug": "b", "name": "Vendor B"}]
        analytics.per_vendor = True
        analytics.full_clean()
        analytics.save()
        banner_publish(site=site, material=False)
    assert Purpose.objects.get(site=site, slug="analytics").per_vendor
    return site


def _open(page, live: str, key: str) -> str:
    url = f"{live}/vendors/{key}/"
    body = PAGE.format(live=live, key=key)
    page.route(url, lambda route: route.fulfill(status=200, content_type="text/html", body=body))
    page.goto(url)
    return url


def test_a_visitor_allows_one_vendor_of_a_purpose_and_not_another(page, context, live):
    site = _site(live, "vendors-one")
    Trackers(page, live)
    _open(page, live, site.key)
    page.get_by_role("button", name="Customize", exact=True).click()
    prefs = page.get_by_role("dialog", name="Preferences")
    prefs.wait_for()
    vendor_a = prefs.get_by_role("checkbox", name="Vendor A")
    vendor_b = prefs.get_by_role("checkbox", name="Vendor B")
    assert not vendor_a.is_checked()
    assert not vendor_b.is_checked()
    # Switching the purpose on takes its vendors along; the keyboard then turns one off.
    prefs.get_by_role("switch", name="Analytics").check()
    assert vendor_a.is_checked()
    assert vendor_b.is_checked()
    vendor_b.focus()
    page.keyboard.press("Space")
    assert not vendor_b.is_checked()
    assert prefs.get_by_role("group", name="Vendors: Analytics").count() == 1
    with page.expect_response(lambda r: choice_posted(r)) as posted:
        prefs.get_by_role("button", name="Save", exact=True).click()
    assert posted.value.status == 201, posted.value.text()
    choices = posted.value.request.post_data_json["choices"]
    assert choices["analytics"] is True
    assert choices["analytics:a"] is True
    assert choices["analytics:b"] is False
    page.wait_for_function("() => (window.__ran || []).length === 2")
    assert sorted(page.evaluate("window.__ran")) == ["a", "analytics"]
    assert stored_choice(context, site.key)["c"]["analytics:b"] == 0
    before = page.evaluate("window.assent.get()")
    assert before["analytics:a"] is True
    assert before["analytics:b"] is False

    page.reload()
    page.wait_for_function("() => (window.__ran || []).length === 2")
    page.wait_for_timeout(200)
    assert sorted(page.evaluate("window.__ran")) == ["a", "analytics"]
    # The page reads the same answers after the reload: true and false, not the cookie's 1 and 0.
    after = page.evaluate("window.assent.get()")
    assert after == before
    assert after["analytics:a"] is True
    assert after["analytics:b"] is False
    # The layer shows the stored vendor choices again.
    page.evaluate("window.assent.showPreferences()")
    prefs = page.get_by_role("dialog", name="Preferences")
    prefs.wait_for()
    assert prefs.get_by_role("checkbox", name="Vendor A").is_checked()
    assert not prefs.get_by_role("checkbox", name="Vendor B").is_checked()


def test_the_preference_centre_shows_and_records_each_vendor(page, context, live):
    site = _site(live, "vendors-centre")
    Trackers(page, live)
    _open(page, live, site.key)
    with page.expect_response(lambda r: choice_posted(r)):
        page.evaluate("window.assent.set({analytics: true, 'analytics:b': false})")
    # This device's cookie now says otherwise (another device, or a stale copy): the centre shows the record.
    stored = stored_choice(context, site.key)
    stored["c"]["analytics:b"] = 1
    page.evaluate(
        "([name, value]) => { document.cookie = `${name}=${encodeURIComponent(value)}; path=/`; }",
        [f"assent_{site.key}", json.dumps(stored)],
    )
    page.reload()
    assert page.evaluate("window.assent.get()['analytics:b']") is True
    page.evaluate("document.body.append(Object.assign(document.createElement('div'), {id: 'centre'}))")
    page.evaluate("window.assent.mountPreferences(document.getElementById('centre'))")
    centre = page.locator("#centre")
    vendor_a = centre.get_by_role("checkbox", name="Vendor A")
    vendor_b = centre.get_by_role("checkbox", name="Vendor B")
    vendor_a.wait_for()
    # What the server holds for this visitor, vendor by vendor, in the vendors' own styled group.
    assert vendor_a.is_checked()
    assert not vendor_b.is_checked()
    assert centre.get_by_role("group", name="Vendors: Analytics").count() == 1
    # The vendors' stylesheet reached the centre's shadow root too (a bare fieldset has a border).
    fieldset = "getComputedStyle(document.getElementById('centre').shadowRoot.querySelector('fieldset'))"
    assert page.evaluate(f"{fieldset}.borderTopStyle") == "none"
    with page.expect_response(lambda r: choice_posted(r, method="custom")) as posted:
        vendor_b.check()
    body = posted.value.request.post_data_json
    assert body["source"] == "preference_centre"
    assert body["choices"] == {"analytics": True, "analytics:a": True, "analytics:b": True}
    page.wait_for_function("() => (window.__ran || []).includes('b')")
    # Switching the purpose off takes its vendors along, in one record.
    with page.expect_response(lambda r: choice_posted(r, method="custom")) as posted:
        centre.get_by_role("switch", name="Analytics").uncheck()
    assert posted.value.request.post_data_json["choices"] == {
        "analytics": False,
        "analytics:a": False,
        "analytics:b": False,
    }
    assert not vendor_a.is_checked()


def test_accepting_all_after_refusing_a_vendor_runs_every_vendor(page, context, live):
    site = _site(live, "vendors-all")
    Trackers(page, live)
    _open(page, live, site.key)
    page.evaluate("window.assent.set({analytics: true, 'analytics:b': false})")
    page.wait_for_function("() => (window.__ran || []).length === 2")
    with page.expect_response(lambda r: choice_posted(r, method="accept_all")) as posted:
        page.evaluate("window.assent.acceptAll()")
    assert posted.value.request.post_data_json["choices"]["analytics:b"] is True
    page.wait_for_function("() => (window.__ran || []).includes('b')")


def test_axe_finds_no_violations_in_the_vendor_toggles(browser, live):
    site = _site(live, "vendors-axe")
    context = browser.new_context(bypass_csp=True)
    page = context.new_page()
    Trackers(page, live)
    try:
        _open(page, live, site.key)
        page.get_by_role("button", name="Customize", exact=True).click()
        page.get_by_role("checkbox", name="Vendor A").wait_for()
        page.add_script_tag(path=str(AXE))
        assert page.evaluate(AXE_BANNER) == []
    finally:
        context.close()
