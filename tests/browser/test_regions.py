"""The regional banners in a real Chromium: opt-in, opt-out with GPC and GPP, and notice, against the real ledger.

The live server runs with DEBUG on, so `?region=` previews a visitor's region (docs/regions.md).
"""

import json
import subprocess
import time

import pytest
from django.conf import settings

from consent import services
from consent.banner.models import BannerTheme
from consent.models import Site
from tests.banner.ledger_reads import events_of, state_of
from tests.browser.helpers import AXE, AXE_BANNER, Trackers, choice_posted, choose, cookie_names, stored_choice

pytestmark = pytest.mark.browser

SALE_SHARE_COOKIES = {"_fbp", "_fbc"}
VIDEO = "iframe[data-assent=advertising]"
DO_NOT_SELL = "Do Not Sell or Share My Personal Information"
# Decodes a GPP string with the IAB's own library, as tests/banner/gpp_check.mjs does.
GPP_DECODE = """
const { GppModel } = await import("@iabgpp/cmpapi");
const model = new GppModel(process.argv[1]);
console.log(JSON.stringify({ ids: model.getSectionIds(), usca: model.getSection("usca") }));
"""
NOTICE_IS_MODAL = "() => document.querySelector('assent-banner').shadowRoot.querySelector('.layer').matches(':modal')"


def _open(page, url: str, *expected: dict) -> None:
    """Open a page whose banner records choices on load (a default, a GPC opt-out) and wait for each of them.

    The banner sends them one after another without waiting, so they may be answered in any order.
    """
    answered: list = []
    page.on("response", lambda response: answered.append(response) if choice_posted(response) else None)
    page.goto(url)
    deadline = time.monotonic() + 15
    while not all(any(choice_posted(r, **fields) for r in answered) for fields in expected):
        assert time.monotonic() < deadline, f"the page did not record {expected}"
        page.wait_for_timeout(50)
    for response in answered:
        assert response.status == 201, response.text()


def _subject(context) -> str:
    return stored_choice(context)["s"]


def _site() -> Site:
    return Site.objects.get(key="demo")


def _gpp(page, command: str, parameter: str | None = None):
    """Call the page's __gpp API and return what its callback was given."""
    return page.evaluate(
        "([command, parameter]) => new Promise((resolve) => __gpp(command, (value) => resolve(value), parameter))",
        [command, parameter],
    )


def _gpp_decode(gpp_string: str) -> dict:
    out = subprocess.run(
        ["node", "--input-type=module", "-e", GPP_DECODE, gpp_string],
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return json.loads(out.stdout)


def test_under_gdpr_nothing_gated_runs_before_a_choice_and_the_choice_names_gdpr(page, context, demo, trackers):
    page.goto(f"{demo}?region=DE")
    assert page.get_by_role("dialog", name="We respect your privacy").is_visible()
    page.wait_for_timeout(300)
    assert trackers.tracker_hits == []
    assert trackers.foreign == []
    assert not cookie_names(context) & {"_ga", "_fbp", "_gid"}
    assert page.evaluate("typeof window.fbq") == "undefined"
    assert page.locator(VIDEO).get_attribute("src") is None
    # Opt-in pages carry none of the regional bundle.
    assert page.evaluate("typeof window.__gpp") == "undefined"
    assert page.evaluate("typeof window.__assentRegional") == "undefined"
    choose(page, "Accept all")
    events = events_of(_site(), _subject(context))
    assert events
    assert {e.jurisdiction for e in events} == {"gdpr"}
    assert {e.kind for e in events} == {"opted_in"}


def test_under_an_opt_out_law_tags_run_by_default_and_the_default_is_recorded_as_one(page, context, demo, trackers):
    _open(page, f"{demo}?region=US-CA", {"method": "default"})
    page.wait_for_function("() => (window.__order || []).length === 2")
    assert page.evaluate("window.__order") == ["gtag.js", "fbevents"]
    assert page.locator(VIDEO).get_attribute("src").startswith("https://www.youtube-nocookie.com/")
    subject = _subject(context)
    defaults = events_of(_site(), subject)
    assert {e.purpose for e in defaults} >= {"advertising", "marketing", "promotions"}
    terms = {(e.kind, e.method, e.jurisdiction, e.granted) for e in defaults}
    assert terms == {("defaulted", "default", "us-ca", True)}
    # The notice informs without blocking the page.
    notice = page.get_by_role("dialog", name="Your privacy choices")
    assert notice.is_visible()
    assert page.evaluate(NOTICE_IS_MODAL) is False
    page.locator("header a.brand").focus()  # the page behind stays usable, not inert
    assert page.evaluate("document.activeElement.className") == "brand"
    assert page.get_by_role("button", name=DO_NOT_SELL, exact=True).is_visible()

    page.get_by_role("button", name="Your Privacy Choices", exact=True).click()
    preferences = page.get_by_role("dialog", name="Privacy preferences")
    assert preferences.is_visible()
    assert preferences.get_by_role("switch", name="Advertising and statistical analysis").is_checked()
    page.keyboard.press("Escape")
    assert preferences.count() == 0

    page.wait_for_function("() => document.cookie.includes('_fbp=')")
    page.evaluate("document.cookie = '_fbc=fb.1.1234.abcd; path=/'")
    assert cookie_names(context) >= SALE_SHARE_COOKIES
    answer = choose(page, DO_NOT_SELL)
    assert answer["state"]["advertising"] is False
    assert not SALE_SHARE_COOKIES & cookie_names(context)
    assert "_ga" in cookie_names(context)  # analytics is no sale or share: it stays on
    assert page.locator(VIDEO).get_attribute("src") is None
    assert state_of(_site(), subject)["advertising"] is False
    assert state_of(_site(), subject)["marketing"] is True
    withdrawal = [e for e in events_of(_site(), subject) if e.purpose == "advertising" and not e.granted]
    assert [(e.kind, e.jurisdiction) for e in withdrawal] == [("withdrawn", "us-ca")]
    page.reload()
    page.wait_for_timeout(300)
    assert page.get_by_role("dialog", name="Your privacy choices").count() == 0
    assert len([url for url in trackers.tracker_hits if "fbevents" in url]) == 1  # not loaded again


def test_global_privacy_control_opts_out_of_sale_and_share_under_an_opt_out_law(browser, live, demo_site):
    context = browser.new_context(locale="en-US", extra_http_headers={"Sec-GPC": "1"})
    context.add_init_script("Object.defineProperty(Navigator.prototype, 'globalPrivacyControl', {get: () => true})")
    page = context.new_page()
    trackers = Trackers(page, live)
    try:
        _open(page, f"{live}/demo/?region=US-CA", {"method": "default"}, {"source": "gpc"})
        assert page.get_by_role("status").first.inner_text().startswith("Your browser sent a Global Privacy Control")
        subject = _subject(context)
        state = state_of(_site(), subject)
        assert (state["advertising"], state["marketing"]) == (False, True)
        gpc = [e for e in events_of(_site(), subject) if e.source == "gpc"]
        assert {e.jurisdiction for e in gpc} == {"us-ca"}
        assert {e.purpose for e in gpc if not e.granted} == {"advertising"}
        assert not [e for e in events_of(_site(), subject) if e.purpose == "advertising" and e.granted]
        page.wait_for_function("() => (window.__order || []).includes('gtag.js')")
        page.wait_for_timeout(300)
        assert not trackers.hit("fbevents")
        assert page.locator(VIDEO).get_attribute("src") is None
        assert _gpp(page, "getField", "usca.Gpc") is True
        assert _gpp(page, "getField", "usca.SaleOptOut") == 1
    finally:
        context.close()


def test_the_california_page_speaks_gpp_and_its_string_decodes_to_the_visitors_choice(page, demo, trackers):
    _open(page, f"{demo}?region=US-CA", {"method": "default"})
    ping = _gpp(page, "ping")
    assert ping["gppVersion"] == "1.1"
    assert ping["applicableSections"] == [8]
    assert ping["signalStatus"] == "ready"
    assert page.evaluate("Boolean(window.frames.__gppLocator)")
    assert _gpp(page, "getField", "usca.SaleOptOut") == 2
    before = _gpp_decode(ping["gppString"])
    assert before["ids"] == [8]
    assert (before["usca"]["SaleOptOut"], before["usca"]["SharingOptOut"], before["usca"]["Gpc"]) == (2, 2, False)

    choose(page, DO_NOT_SELL)
    assert _gpp(page, "getField", "usca.SaleOptOut") == 1
    assert _gpp(page, "getField", "usca.SharingOptOut") == 1
    after = _gpp_decode(_gpp(page, "ping")["gppString"])
    assert (after["usca"]["SaleOptOut"], after["usca"]["SharingOptOut"], after["usca"]["Gpc"]) == (1, 1, False)
    assert after["usca"]["SaleOptOutNotice"] == 1
    assert after["usca"] == {**after["usca"], **{f: _gpp(page, "getField", f"usca.{f}") for f in after["usca"]}}


def test_under_appi_the_notice_is_japanese_and_advertising_waits_for_a_yes(page, context, demo, trackers):
    _open(page, f"{demo}?region=JP&lang=ja", {"method": "default"})
    notice = page.get_by_role("dialog", name="Cookieについて")
    assert notice.is_visible()
    assert notice.get_attribute("lang") == "ja"
    assert "広告パートナーに提供するのは、お客様が同意した場合に限ります" in notice.inner_text()
    page.wait_for_function("() => (window.__order || []).includes('gtag.js')")
    page.wait_for_timeout(300)
    assert not trackers.hit("fbevents")
    assert page.locator(VIDEO).get_attribute("src") is None
    subject = _subject(context)
    defaults = events_of(_site(), subject)
    assert "advertising" not in {e.purpose for e in defaults}
    assert {(e.kind, e.jurisdiction) for e in defaults} == {("defaulted", "appi")}

    look = """b => { const s = getComputedStyle(b); const r = b.getBoundingClientRect();
      return [b.tagName, s.fontSize, s.fontWeight, s.padding, s.backgroundColor, s.color, s.borderWidth,
              Math.round(r.height)]; }"""
    accept = notice.get_by_role("button", name="すべて許可", exact=True)
    reject = notice.get_by_role("button", name="すべて拒否", exact=True)
    assert accept.evaluate(look) == reject.evaluate(look)

    answer = choose(page, "すべて許可")
    assert answer["state"]["advertising"] is True
    page.wait_for_function("() => (window.__order || []).includes('fbevents')")
    assert page.locator(VIDEO).get_attribute("src").startswith("https://www.youtube-nocookie.com/")
    yes = [e for e in events_of(_site(), subject) if e.purpose == "advertising"]
    assert [(e.kind, e.jurisdiction, e.granted) for e in yes] == [("opted_in", "appi", True)]


def test_a_visitor_who_chose_under_gdpr_is_asked_again_under_california_law(page, context, demo, trackers):
    page.goto(f"{demo}?region=DE")
    choose(page, "Reject all")
    assert stored_choice(context)["l"] == "gdpr"
    page.goto(f"{demo}?region=DE")
    page.wait_for_timeout(300)
    assert page.get_by_role("dialog", name="We respect your privacy").count() == 0

    page.goto(f"{demo}?region=US-CA")
    assert page.get_by_role("dialog", name="Your privacy choices").is_visible()
    page.wait_for_function("() => window.assent && window.assent.decided() === false")
    # Asked again, but a "no" given under the other law is no "yes by default" under this one.
    page.wait_for_timeout(300)
    assert trackers.tracker_hits == []
    assert page.evaluate("assent.get().advertising || assent.get().marketing") is False
    assert _gpp(page, "getField", "usca.SaleOptOut") == 1
    events = events_of(_site(), _subject(context))
    assert not [e for e in events if e.granted and e.purpose in {"advertising", "marketing", "promotions"}]
    choose(page, DO_NOT_SELL)
    assert stored_choice(context)["l"] == "us-ca"
    assert events_of(_site(), _subject(context))[0].jurisdiction == "us-ca"
    page.reload()
    page.wait_for_timeout(300)
    assert page.get_by_role("dialog", name="Your privacy choices").count() == 0


def test_axe_finds_no_violations_on_the_regional_notices_and_the_opt_out_preferences(browser, live, demo_site):
    # Injecting axe needs an inline script, which the demo's strict CSP rightly refuses.
    context = browser.new_context(bypass_csp=True)
    page = context.new_page()
    Trackers(page, live)
    try:
        page.goto(f"{live}/demo/?region=US-CA")
        page.get_by_role("dialog", name="Your privacy choices").wait_for()
        page.add_script_tag(path=str(AXE))
        assert page.evaluate(AXE_BANNER) == []
        page.get_by_role("button", name="Your Privacy Choices", exact=True).click()
        page.get_by_role("dialog", name="Privacy preferences").wait_for()
        assert page.evaluate(AXE_BANNER) == []
        page.goto(f"{live}/demo/?region=JP&lang=ja")
        page.get_by_role("dialog", name="Cookieについて").wait_for()
        page.add_script_tag(path=str(AXE))
        assert page.evaluate(AXE_BANNER) == []
    finally:
        context.close()


def test_a_reject_first_theme_orders_the_notices_choices_too(page, demo):
    BannerTheme.objects.create(site=_site(), button_order="reject-first")
    services.banner_publish(site=_site(), material=False)
    _open(page, f"{demo}?region=JP&lang=ja", {"method": "default"})
    notice = page.get_by_role("dialog", name="Cookieについて")
    names = notice.get_by_role("button").all_inner_texts()
    assert names.index("すべて拒否") < names.index("すべて許可")
