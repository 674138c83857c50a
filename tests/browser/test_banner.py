"""The banner in a real Chromium, on the demo page, against a live server and the real ledger."""

import json
from pathlib import Path

import pytest

from consent.models import Organization, Site
from ledger.keys import verification_keys
from ledger.receipt_verify import bundle_verify
from ledger.services import checkpoint_sign, log_integrate
from tests.banner.ledger_reads import events_of, state_of
from tests.browser.helpers import (
    AXE,
    AXE_BANNER,
    CSP_WATCH,
    Trackers,
    choose,
    consent_commands,
    cookie_names,
    focused,
    stored_choice,
)

pytestmark = pytest.mark.browser
# Predicates are functions, never expression strings: Playwright evaluates a string with eval(),
# which the demo's strict CSP (rightly) refuses.

REQUIRED = {"service", "communication", "payments", "legal"}


def _site() -> Site:
    return Site.objects.get(key="demo")


def _subject(context) -> str:
    return stored_choice(context)["s"]


def test_a_first_visit_shows_the_banner_and_asks_no_tracker_anything(page, context, demo, trackers):
    page.goto(demo)
    dialog = page.get_by_role("dialog", name="We respect your privacy")
    assert dialog.is_visible()
    for name in ("Accept all", "Reject all", "Customize"):
        assert page.get_by_role("button", name=name, exact=True).is_visible()
    page.wait_for_timeout(300)
    assert trackers.tracker_hits == []
    assert trackers.foreign == []
    assert not cookie_names(context) & {"_ga", "_fbp", "_gid"}
    assert page.evaluate("typeof window.fbq") == "undefined"
    default = consent_commands(page)[0]
    assert default[1] == "default"
    assert default[2]["ad_storage"] == "denied"
    assert default[2]["analytics_storage"] == "denied"
    assert default[2]["wait_for_update"] == 500


def test_reject_all_records_denials_and_the_banner_stays_gone(page, context, demo, trackers):
    page.goto(demo)
    answer = choose(page, "Reject all")
    assert answer["state"]["advertising"] is False
    state = state_of(_site(), _subject(context))
    assert {slug for slug, granted in state.items() if granted} == REQUIRED
    page.reload()
    page.wait_for_timeout(300)
    assert page.get_by_role("button", name="Accept all").count() == 0
    assert trackers.tracker_hits == []
    default = consent_commands(page)[0]
    assert default[2]["ad_storage"] == "denied"
    assert "wait_for_update" not in default[2]


def test_accept_all_runs_the_gated_scripts_in_document_order_and_updates_consent_mode(page, demo, trackers):
    page.goto(demo)
    choose(page, "Accept all")
    page.wait_for_function("() => (window.__order || []).length === 2")
    assert page.evaluate("window.__order") == ["gtag.js", "fbevents"]
    # gtag.js ran before the inline snippet that follows it in the page.
    assert page.evaluate("window.__gtagSawConfig") is False
    assert page.evaluate("dataLayer.some(e => e[0] === 'config')")
    update = consent_commands(page)[-1]
    assert update[1] == "update"
    assert update[2]["ad_storage"] == "granted"
    assert update[2]["analytics_storage"] == "granted"
    assert page.locator("iframe[title]").get_attribute("src").startswith("https://www.youtube-nocookie.com/")


def test_customize_grants_exactly_the_purposes_chosen(page, context, demo, trackers):
    page.goto(demo)
    page.get_by_role("button", name="Customize").click()
    preferences = page.get_by_role("dialog", name="Privacy preferences")
    assert preferences.is_visible()
    assert preferences.get_by_role("switch", name="Service delivery").is_disabled()
    preferences.get_by_role("switch", name="Analytics and marketing").check()
    choose(page, "Save my choices")
    state = state_of(_site(), _subject(context))
    assert state["marketing"] is True
    assert state["advertising"] is False
    page.wait_for_function("() => (window.__order || []).includes('gtag.js')")
    assert not trackers.hit("fbevents")


def test_reopening_and_withdrawing_deletes_the_cookies_and_records_the_withdrawal(page, context, demo, trackers):
    page.goto(demo)
    choose(page, "Accept all")
    page.wait_for_function("() => document.cookie.includes('_ga=') && document.cookie.includes('_fbp=')")
    page.get_by_role("link", name="Cookie settings").click()
    page.get_by_role("dialog", name="Privacy preferences").get_by_role(
        "switch", name="Analytics and marketing"
    ).uncheck()
    choose(page, "Save my choices")
    names = cookie_names(context)
    assert "_ga" not in names
    assert "_ga_DEMO000001" not in names
    assert "_fbp" in names
    events = events_of(_site(), _subject(context))
    assert state_of(_site(), _subject(context))["marketing"] is False
    assert len({e.receipt_id for e in events}) == 2


def test_the_japanese_page_gets_the_japanese_banner_and_records_its_locale(page, context, demo, trackers):
    page.goto(f"{demo}?lang=ja")
    assert page.get_by_role("dialog").get_attribute("lang") == "ja"
    choose(page, "すべて拒否")
    assert events_of(_site(), _subject(context))[0].locale == "ja"


def test_global_privacy_control_denies_sale_and_share_without_asking_and_says_so(browser, live, demo_site):
    context = browser.new_context(locale="en-US", extra_http_headers={"Sec-GPC": "1"})
    context.add_init_script("Object.defineProperty(Navigator.prototype, 'globalPrivacyControl', {get: () => true})")
    page = context.new_page()
    trackers = Trackers(page, live)
    try:
        with page.expect_response(lambda r: r.url.endswith("/consents")) as info:
            page.goto(f"{live}/demo/")
        assert info.value.status == 201
        assert info.value.request.post_data_json["source"] == "gpc"
        assert page.get_by_role("status").first.inner_text().startswith("Your browser sent a Global Privacy Control")
        subject = _subject(context)
        assert state_of(_site(), subject)["advertising"] is False
        assert events_of(_site(), subject)[0].source == "gpc"
        # The rest is still asked; Accept all cannot turn sale/share back on.
        choose(page, "Accept all")
        state = state_of(_site(), subject)
        assert (state["advertising"], state["marketing"]) == (False, True)
        page.wait_for_function("() => (window.__order || []).includes('gtag.js')")
        assert not trackers.hit("fbevents")
        page.reload()
        page.wait_for_timeout(300)
        assert len({e.receipt_id for e in events_of(_site(), subject)}) == 2  # no second GPC record
    finally:
        context.close()


def test_the_banner_works_with_the_keyboard_alone(page, context, demo, trackers):
    page.goto(demo)
    page.keyboard.press("Tab")
    for _ in range(6):
        if focused(page)["text"] == "Customize":
            break
        page.keyboard.press("Tab")
    assert focused(page)["text"] == "Customize"
    page.keyboard.press("Enter")
    assert focused(page)["tag"] == "input"  # focus moved into the preferences
    for _ in range(20):
        if focused(page)["name"] == "marketing":
            break
        page.keyboard.press("Tab")
    page.keyboard.press("Space")
    for _ in range(20):
        if focused(page)["text"] == "Save my choices":
            break
        page.keyboard.press("Tab")
    with page.expect_response(lambda r: r.url.endswith("/consents")):
        page.keyboard.press("Enter")
    assert state_of(_site(), _subject(context))["marketing"] is True
    # Reopen from the footer link; Escape closes and gives focus back to the link.
    page.focus("a[data-assent-open]")
    page.keyboard.press("Enter")
    assert focused(page)["tag"] == "input"
    page.keyboard.press("Escape")
    assert focused(page)["text"] == "Cookie settings"
    assert page.get_by_role("dialog", name="Privacy preferences").count() == 0


def test_focus_stays_inside_the_preferences_while_they_are_open(page, demo, trackers):
    page.goto(demo)
    page.get_by_role("button", name="Customize").click()
    for _ in range(40):
        page.keyboard.press("Tab")
        # The page behind is inert: focus is in the banner, or has left for the browser's own UI.
        inside = page.evaluate(
            "[document.querySelector('assent-banner'), document.body].includes(document.activeElement)"
        )
        assert inside, focused(page)


def test_axe_finds_no_accessibility_violations_on_either_layer(browser, live, demo_site):
    # Injecting axe needs an inline script, which the demo's strict CSP rightly refuses.
    context = browser.new_context(bypass_csp=True)
    page = context.new_page()
    Trackers(page, live)
    try:
        page.goto(f"{live}/demo/")
        page.add_script_tag(path=str(AXE))
        assert page.evaluate(AXE_BANNER) == []
        page.get_by_role("button", name="Customize").click()
        assert page.evaluate(AXE_BANNER) == []
        page.goto(f"{live}/demo/?lang=ja")
        page.add_script_tag(path=str(AXE))
        assert page.evaluate(AXE_BANNER) == []
    finally:
        context.close()


def test_the_strict_csp_page_runs_banner_and_consented_tags_without_a_violation(page, demo, trackers):
    page.add_init_script(CSP_WATCH)
    page.goto(demo)
    choose(page, "Accept all")
    page.wait_for_function("() => (window.__order || []).length === 2")
    assert page.evaluate("window.__csp") == []
    assert page.evaluate("typeof window.fbq") == "function"


def test_a_failed_post_is_queued_and_sent_on_the_next_page(page, context, demo, trackers):
    page.route("**/consents", lambda route: route.abort())
    page.goto(demo)
    page.get_by_role("button", name="Reject all").click()
    page.wait_for_function("() => localStorage.getItem('assent_queue_demo') !== null")
    page.unroute("**/consents")
    with page.expect_response(lambda r: r.url.endswith("/consents")) as info:
        page.reload()
    assert info.value.status == 201
    page.wait_for_function("() => localStorage.getItem('assent_queue_demo') === null")
    assert state_of(_site(), _subject(context))["advertising"] is False


def test_gated_elements_added_later_wait_for_their_purpose(page, demo, trackers):
    page.goto(demo)
    choose(page, "Reject all")
    add = """(purpose) => {
      const s = document.createElement('script');
      s.type = 'text/plain';
      s.dataset.assent = purpose;
      s.dataset.src = '/static/banner/demo/spa-' + purpose + '.js';
      document.body.append(s);
    }"""
    page.evaluate(add, "promotions")
    page.wait_for_timeout(200)
    assert page.locator("script[data-assent-ran][data-assent=promotions]").count() == 0
    page.evaluate("assent.set({promotions: true})")
    page.wait_for_selector("script[data-assent-ran][data-assent=promotions]", state="attached")


def test_the_banner_stays_usable_at_400_percent_zoom(browser, live, demo_site):
    # 1280 x 720 at 400 % is a 320 x 180 CSS-pixel viewport.
    context = browser.new_context(viewport={"width": 320, "height": 180})
    page = context.new_page()
    Trackers(page, live)
    try:
        page.goto(f"{live}/demo/")
        with page.expect_response(lambda r: r.url.endswith("/consents")) as info:
            page.get_by_role("button", name="Reject all").click()
        assert info.value.status == 201
    finally:
        context.close()


def test_page_styles_do_not_reach_into_the_banner(page, demo, trackers):
    page.goto(demo)
    # The demo's stylesheet paints every button and div red; the banner's buttons keep their own colours.
    color = page.get_by_role("button", name="Accept all").evaluate("b => getComputedStyle(b).color")
    assert color == "rgb(255, 255, 255)"


def test_the_js_api_reports_and_changes_the_choice(page, demo, trackers):
    page.goto(demo)
    page.evaluate("""() => {
      window.__events = [];
      assent.on('change', d => __events.push(['api', d.method]));
      document.addEventListener('assent:change', e => __events.push(['dom', e.detail.method]));
    }""")
    with page.expect_response(lambda r: r.url.endswith("/consents")):
        page.evaluate("assent.rejectAll()")
    assert page.evaluate("assent.get().marketing") is False
    assert page.evaluate("assent.get().service") is True
    assert page.evaluate("window.__events") == [["api", "reject_all"], ["dom", "reject_all"]]
    assert page.get_by_role("button", name="Accept all").count() == 0
    page.evaluate("assent.showPreferences()")
    assert page.get_by_role("dialog", name="Privacy preferences").is_visible()


def _serve_page(page, live: str, html: str) -> str:
    """Answer a made-up URL on the live server's origin with html (the banner's requests go through)."""
    url = f"{live}/__page__/"
    page.route(url, lambda route: route.fulfill(status=200, content_type="text/html", body=html))
    return url


def test_accept_and_reject_have_the_same_prominence(page, demo, trackers):
    page.goto(demo)
    look = """b => { const s = getComputedStyle(b); const r = b.getBoundingClientRect();
      return [s.backgroundColor, s.color, s.fontSize, s.fontWeight, s.borderWidth, Math.round(r.height)]; }"""
    accept = page.get_by_role("button", name="Accept all").evaluate(look)
    reject = page.get_by_role("button", name="Reject all").evaluate(look)
    assert accept == reject


def test_without_a_page_language_the_browsers_language_picks_the_locale(browser, live, demo_site):
    context = browser.new_context(locale="ja-JP")
    page = context.new_page()
    Trackers(page, live)
    try:
        page.goto(_serve_page(page, live, '<!doctype html><title>t</title><script src="/c/demo.js"></script>'))
        assert page.get_by_role("button", name="すべて拒否").is_visible()
    finally:
        context.close()


def test_a_right_to_left_locale_lays_the_banner_out_right_to_left(page, live, trackers):
    from consent import services
    from consent.models import BannerText
    from tests.factories import published_site

    organization = Organization.objects.create(name="Right to left")
    site = published_site(organization=organization, key="rtl", locales=("en", "ar"))
    BannerText.objects.filter(site=site, locale="ar").update(direction="rtl", accept_all="قبول الكل")
    services.banner_publish(site=site, material=True)
    page.goto(_serve_page(page, live, '<!doctype html><html lang="ar"><script src="/c/rtl.js"></script>'))
    dialog = page.get_by_role("dialog")
    assert dialog.get_attribute("dir") == "rtl"
    assert page.get_by_role("button", name="قبول الكل").is_visible()


def test_the_banner_asks_again_after_a_material_change_but_not_a_minor_one(page, demo, demo_site, trackers):
    from django.db.models import Value
    from django.db.models.functions import Concat

    from consent import services
    from consent.models import BannerText

    page.goto(demo)
    choose(page, "Reject all")
    texts = BannerText.objects.filter(site=demo_site, locale="en")
    texts.update(body=Concat("body", Value(" ")))
    services.banner_publish(site=demo_site, material=False)
    page.goto(demo)
    page.wait_for_timeout(300)
    assert page.get_by_role("button", name="Accept all").count() == 0
    texts.update(body=Concat("body", Value(" ")))
    services.banner_publish(site=demo_site, material=True)
    page.goto(demo)
    assert page.get_by_role("button", name="Accept all").is_visible()


def test_the_banner_asks_again_once_the_consent_has_expired(page, context, demo, trackers):
    page.goto(demo)
    choose(page, "Accept all")
    stored = stored_choice(context)
    stored["t"] -= 366 * 86400  # decided more than the demo's 365-day lifetime ago
    from urllib.parse import quote

    context.add_cookies([{"name": "assent_demo", "value": quote(json.dumps(stored)), "url": demo}])
    page.goto(demo)
    assert page.get_by_role("button", name="Accept all").is_visible()
    assert consent_commands(page)[0][2]["ad_storage"] == "denied"


def test_operator_text_is_shown_as_text_never_as_markup(page, live, trackers):
    from consent import services
    from consent.models import BannerText, PurposeTranslation
    from tests.factories import published_site

    site = published_site(organization=Organization.objects.create(name="Markup in texts"), key="markup")
    BannerText.objects.filter(site=site).update(title='<img src="x" onerror="window.__xss=1">Hello')
    PurposeTranslation.objects.filter(purpose__site=site, purpose__slug="analytics").update(name="<b>Bold</b>")
    services.banner_publish(site=site, material=True)
    page.goto(_serve_page(page, live, '<!doctype html><html lang="en"><script src="/c/markup.js"></script>'))
    assert page.get_by_role("heading", name='<img src="x" onerror="window.__xss=1">Hello').is_visible()
    page.get_by_role("button", name="Customize").click()
    assert page.get_by_role("switch", name="<b>Bold</b>").is_visible()
    assert page.evaluate("document.querySelector('assent-banner').shadowRoot.querySelectorAll('img, b').length") == 0
    assert page.evaluate("window.__xss") is None


def test_the_banner_does_not_move_for_visitors_who_ask_for_reduced_motion(browser, live, demo_site):
    context = browser.new_context(reduced_motion="reduce")
    page = context.new_page()
    Trackers(page, live)
    try:
        page.goto(f"{live}/demo/")
        animation = page.get_by_role("dialog").evaluate("d => getComputedStyle(d).animationName")
        assert animation == "none"
    finally:
        context.close()


def test_the_preferences_offer_the_record_of_the_latest_choice_and_it_verifies_offline(page, demo, trackers):
    page.goto(demo)
    page.get_by_role("button", name="Customize", exact=True).click()
    preferences = page.get_by_role("dialog", name="Privacy preferences")
    assert preferences.get_by_role("link", name="Download the record of my choice").count() == 0
    answer = choose(page, "Reject all")
    log_integrate(site="demo")
    checkpoint_sign(site="demo")
    page.get_by_role("link", name="Cookie settings").click()
    with page.expect_download() as download:
        preferences.get_by_role("link", name="Download the record of my choice").click()
    bundle = json.loads(Path(download.value.path()).read_text())
    summary = bundle_verify(bundle, verification_keys())
    assert summary.receipt == answer["receipt"]
    assert not any(granted for purpose, granted in summary.decisions.items() if purpose not in REQUIRED)
