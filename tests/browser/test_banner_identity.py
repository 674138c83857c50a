"""The banner's side of identity: assent.identify() and assent.mountPreferences(), against the real
identify and preferences endpoints of account settings."""

import secrets

import pytest

from consent.accounts.tokens import token_make
from tests.banner.ledger_reads import events_of, state_of
from tests.browser.helpers import Trackers, stored_choice

pytestmark = pytest.mark.browser

PAGE = """<!doctype html><html lang="en"><title>Account</title>
<script src="/c/demo.js"></script><main><h1>Your account</h1><div id="prefs"></div></main>"""


def _open(browser, live):
    context = browser.new_context(locale="en-US")
    page = context.new_page()
    Trackers(page, live)
    url = f"{live}/__account__/"
    page.route(url, lambda route: route.fulfill(status=200, content_type="text/html", body=PAGE))
    page.goto(url)
    return context, page


def test_a_user_who_chose_on_one_device_is_not_asked_on_another(browser, live, demo_site):
    user = f"user-{secrets.token_hex(4)}"
    token = token_make(secret=demo_site.identity_secret, use="identify", site_key="demo", user_id=user)
    first, page = _open(browser, live)
    second, other = _open(browser, live)
    try:
        with page.expect_response(lambda r: r.url.endswith("/consents")):
            page.get_by_role("button", name="Accept all").click()
        assert page.evaluate("([u, t]) => assent.identify(u, t).then(r => r.decided)", [user, token]) is True
        assert other.get_by_role("button", name="Accept all").is_visible()
        answer = other.evaluate("([u, t]) => assent.identify(u, t)", [user, token])
        assert answer["decided"] is True
        assert answer["state"]["marketing"] is True
        assert other.get_by_role("button", name="Accept all").count() == 0
        assert other.evaluate("assent.get().marketing") is True
        assert stored_choice(second)["d"] == 1
    finally:
        first.close()
        second.close()


def test_a_forged_token_changes_nothing_and_shows_nothing(browser, live, demo_site):
    context, page = _open(browser, live)
    try:
        assert page.evaluate("assent.identify('someone', 'forged.token')") is None
        assert page.get_by_role("button", name="Accept all").is_visible()
        assert page.evaluate("assent.get().marketing") is False
    finally:
        context.close()


def test_the_preference_centre_shows_each_choice_and_records_changes_as_preference_centre(browser, live, demo_site):
    context, page = _open(browser, live)
    try:
        with page.expect_response(lambda r: r.url.endswith("/consents")):
            page.get_by_role("button", name="Accept all").click()
        page.evaluate("assent.mountPreferences(document.getElementById('prefs'))")
        centre = page.locator("#prefs")
        marketing = centre.get_by_role("switch", name="Analytics and marketing")
        assert marketing.is_checked()
        assert centre.locator("time").count() >= 1  # the date each choice was made
        assert centre.get_by_role("switch", name="Service delivery").is_disabled()
        with page.expect_response(lambda r: r.url.endswith("/consents")) as info:
            marketing.uncheck()
        assert info.value.request.post_data_json["source"] == "preference_centre"
        subject = stored_choice(context)["s"]
        assert state_of(demo_site, subject)["marketing"] is False
        with page.expect_response(lambda r: r.url.endswith("/consents")) as info:
            centre.get_by_role("button", name="Reject all").click()
        assert info.value.request.post_data_json["method"] == "withdraw_all"
        state = state_of(demo_site, subject)
        assert not state["advertising"]
        assert not state["promotions"]
        assert events_of(demo_site, subject)[0].source == "preference_centre"
    finally:
        context.close()
