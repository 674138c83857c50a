"""Placeholders for gated embeds in a real Chromium, on the demo (which enables them), against the real ledger."""

import pytest

from consent.models import Site
from tests.banner.ledger_reads import state_of
from tests.browser.helpers import AXE, AXE_PAGE, Trackers, choice_posted, stored_choice

pytestmark = pytest.mark.browser

VIDEO = "iframe[data-assent=advertising]"
ALLOW = "Allow Advertising and statistical analysis"
PIXEL = """() => {
  const img = document.createElement('img');
  img.setAttribute('data-assent', 'advertising');
  img.setAttribute('data-src', 'https://www.facebook.com/tr?id=000000000000001&ev=PageView&noscript=1');
  img.width = img.height = 1;
  img.alt = '';
  document.body.append(img);
}"""


def _placeholder(page):
    return page.get_by_role("group", name="www.youtube-nocookie.com")


def test_a_blocked_video_shows_a_placeholder_naming_its_provider_and_purpose(page, demo, trackers):
    page.goto(demo)
    group = _placeholder(page)
    group.wait_for()
    assert "www.youtube-nocookie.com" in group.inner_text()
    assert "Advertising and statistical analysis" in group.inner_text()
    assert page.locator(VIDEO).is_hidden()
    page.wait_for_timeout(300)
    assert trackers.tracker_hits == []


def test_load_this_once_loads_the_video_without_recording_a_choice(page, context, demo, trackers):
    page.goto(demo)
    posted = []
    page.on("request", lambda r: posted.append(r.url) if r.url.endswith("/consents") else None)
    page.get_by_role("button", name="Load this once").click()
    page.wait_for_function(
        f"() => document.querySelector('{VIDEO}').src.startsWith('https://www.youtube-nocookie.com/')"
    )
    assert page.locator(VIDEO).is_visible()
    assert _placeholder(page).count() == 0
    assert posted == []
    assert stored_choice(context) is None
    # The next page asks again: nothing was granted.
    page.reload()
    _placeholder(page).wait_for()


def test_allow_records_the_purpose_in_the_ledger_and_loads_every_embed_it_gates(page, context, demo, trackers):
    page.goto(demo)
    with page.expect_response(lambda r: choice_posted(r, method="custom")) as info:
        page.get_by_role("button", name=ALLOW).click()
    assert info.value.status == 201
    assert info.value.request.post_data_json["choices"] == {"advertising": True}
    assert state_of(Site.objects.get(key="demo"), stored_choice(context)["s"])["advertising"] is True
    page.wait_for_function("() => (window.__order || []).includes('fbevents')")
    assert page.locator(VIDEO).get_attribute("src").startswith("https://www.youtube-nocookie.com/")
    assert _placeholder(page).count() == 0


def test_withdrawing_the_purpose_unloads_the_video_and_brings_the_placeholder_back(page, demo, trackers):
    page.goto(demo)
    page.get_by_role("button", name=ALLOW).click()
    page.wait_for_function(f"() => document.querySelector('{VIDEO}').hasAttribute('src')")
    page.evaluate("assent.set({advertising: false})")
    _placeholder(page).wait_for()
    assert page.locator(VIDEO).get_attribute("src") is None


def test_an_image_pixel_waits_for_consent_and_gets_no_placeholder(page, demo, trackers):
    page.goto(demo)
    page.evaluate(PIXEL)
    page.wait_for_timeout(300)
    assert not trackers.hit("facebook.com/tr")
    assert page.locator("img[data-assent]").get_attribute("src") is None
    assert page.get_by_role("group").count() == 1
    page.evaluate("assent.set({advertising: true})")
    page.wait_for_function("() => document.querySelector('img[data-assent]').src.includes('facebook.com/tr')")
    page.wait_for_timeout(200)
    assert trackers.hit("www.facebook.com/tr")


def test_axe_finds_no_violations_on_a_page_with_a_placeholder(browser, live, demo_site):
    # Injecting axe needs an inline script, which the demo's strict CSP rightly refuses.
    context = browser.new_context(bypass_csp=True)
    page = context.new_page()
    Trackers(page, live)
    try:
        page.goto(f"{live}/demo/")
        _placeholder(page).wait_for()
        page.add_script_tag(path=str(AXE))
        violations = page.evaluate(AXE_PAGE.replace("run(document", "run({include: [['assent-placeholder']]}"))
        assert violations == []
    finally:
        context.close()
