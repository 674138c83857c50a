"""Identity in a real Chromium: two devices that chose differently, a forged token, the preference centre."""

import json
import uuid
from pathlib import Path

import pytest
from django.core.management import call_command

from consent.accounts.models import Erasure
from consent.accounts.tokens import token_make
from consent.models import Site, Subject
from ledger import services as ledger_services
from tests.banner.ledger_reads import state_of
from tests.browser.helpers import Trackers, choose

pytestmark = pytest.mark.browser


def device(browser, live):
    """Open the demo page on a new device (a fresh profile) and return its page."""
    context = browser.new_context(locale="en-US")
    page = context.new_page()
    Trackers(page, live)
    page.goto(f"{live}/demo/")
    return page


def identify(page, site: Site, user: str, token: str | None = None):
    token = token or token_make(secret=site.identity_secret, use="identify", site_key=site.key, user_id=user)
    return page.evaluate("([user, token]) => window.assent.identify(user, token)", [user, token])


def test_two_devices_that_chose_differently_end_with_the_newer_choice(browser, live, demo_site):
    user = f"customer-{uuid.uuid4().hex[:12]}"
    laptop, phone = device(browser, live), device(browser, live)
    try:
        choose(laptop, "Accept all")  # first
        choose(phone, "Reject all")  # later

        identify(laptop, demo_site, user)
        answer = identify(phone, demo_site, user)

        assert answer["state"]["marketing"] is False
        assert state_of(demo_site, user)["marketing"] is False
        assert phone.evaluate("window.assent.get().marketing") is False
    finally:
        laptop.context.close()
        phone.context.close()


def test_a_forged_token_links_nothing_and_the_banner_keeps_asking(browser, live, demo_site):
    user = f"customer-{uuid.uuid4().hex[:12]}"
    page = device(browser, live)
    try:
        forged = token_make(secret="not-the-sites-secret", use="identify", site_key="demo", user_id=user)

        assert identify(page, demo_site, user, forged) is None

        assert not Subject.objects.filter(site=demo_site, external_id=user).exists()
        assert page.get_by_role("dialog").is_visible()
    finally:
        page.context.close()


def test_the_preference_centre_shows_the_users_state_on_a_linked_device(browser, live, demo_site):
    user = f"customer-{uuid.uuid4().hex[:12]}"
    first, second = device(browser, live), device(browser, live)
    try:
        choose(first, "Reject all")
        identify(first, demo_site, user)
        identify(second, demo_site, user)
        second.evaluate(
            """() => { const el = document.createElement('div'); el.id = 'prefs'; document.body.append(el);
                       return window.assent.mountPreferences(el); }"""
        )
        switch = second.locator("#prefs").get_by_role("switch", name="Analytics and marketing")

        assert switch.is_checked() is False
        switch.check()
        second.wait_for_function("() => window.assent.get().marketing === true")
        second.wait_for_timeout(300)

        assert state_of(demo_site, user)["marketing"] is True
    finally:
        first.context.close()
        second.context.close()


def test_a_customers_user_signs_in_by_link_downloads_their_data_and_erases_it(browser, live, demo_site):
    user = f"customer-{uuid.uuid4().hex[:12]}"
    phone = device(browser, live)
    try:
        choose(phone, "Accept all")
        identify(phone, demo_site, user)
        token = token_make(secret=demo_site.identity_secret, use="signin", site_key="demo", user_id=user)
        page = phone.context.new_page()
        page.goto(f"{live}/account/link/demo/?user={user}&token={token}")
        assert page.get_by_role("heading", name="Your privacy settings").is_visible()

        with page.expect_download() as download:
            page.get_by_role("link", name="Download everything as JSON").click()
        document = json.loads(Path(download.value.path()).read_text())
        assert document["subject"]["id"] == user
        assert [link["linked_to"] for link in document["links"]] == [user]

        page.get_by_label("I want my consent records and the link to my account erased.").check()
        with page.expect_navigation():
            page.get_by_role("button", name="Erase my data").click()

        assert page.get_by_role("status").inner_text().startswith("Your data has been erased.")
        assert not Subject.objects.filter(site=demo_site, external_id=user).exists()
        assert Erasure.objects.filter(site=demo_site, source="account_settings").exists()
        ledger_services.log_integrate(site="demo", checkpoint_force=True)
        call_command("verify_ledger", site="demo")
    finally:
        phone.context.close()
