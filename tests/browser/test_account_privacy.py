"""Account settings in a real Chromium: the demo user withdraws on /account/privacy/, another device follows."""

import json
from pathlib import Path

import httpx
import pytest

from consent.accounts.tokens import token_make
from consent.api.services import api_key_create
from consent.demo import DEMO_USER_EMAIL, DEMO_USER_PASSWORD, demo_seed
from consent.hooks.delivery import delivery_attempt
from consent.hooks.models import Delivery
from consent.hooks.services import destination_create
from consent.models import Site
from tests.banner.ledger_reads import events_of, state_of
from tests.browser.helpers import AXE, AXE_PAGE, CSP_WATCH, Trackers, demo_password_for_live_server
from tests.hooks.receiver import Receiver

pytestmark = pytest.mark.browser


@pytest.fixture
def demo_site(live) -> Site:
    """The demo customer, seeded once and committed (the live server must see it).

    Tests hash passwords with a cheap hasher the live server does not know; the demo user's
    password is stored with the server's own default so it can sign in there.
    """
    site = demo_seed().site
    demo_password_for_live_server()
    return site


@pytest.fixture
def crm(demo_site, settings):
    """A destination of the demo site that hears about marketing, served by a real local receiver."""
    settings.ASSENT_ALLOW_PRIVATE_DESTINATIONS = True
    receiver = Receiver().start()
    destination, receiver.secret = destination_create(
        site=demo_site, url=receiver.url, purposes=["marketing"], name="Demo CRM"
    )
    yield destination, receiver
    receiver.stop()
    destination.delete()  # committed for the whole session otherwise; the other tests need no destination


def sign_in(page, live: str, query: str = "") -> None:
    page.goto(f"{live}/account/login/{query}")
    page.locator("#id_username").fill(DEMO_USER_EMAIL)
    page.locator("#id_password").fill(DEMO_USER_PASSWORD)
    page.locator("button[type=submit]").click()
    page.wait_for_url(lambda url: "/account/privacy/" in url, timeout=10000)


def save(page, *, marketing: bool) -> None:
    switch = page.locator("#demo-marketing")
    switch.set_checked(marketing)
    with page.expect_navigation():
        page.get_by_role("button", name="Save my choices").click()


def test_withdrawing_marketing_reaches_the_ledger_a_webhook_the_api_and_a_second_device(
    browser, page, live, demo_site, crm
):
    destination, receiver = crm
    sign_in(page, live)
    save(page, marketing=True)  # whatever earlier tests left, start from marketing allowed
    save(page, marketing=False)

    # The live server has no worker: make the queued delivery's attempt here, over real HTTP.
    withdrawal = Delivery.objects.filter(destination=destination).order_by("-id").first()
    assert delivery_attempt(withdrawal.pk) == "delivered"
    told = receiver.requests[-1]["payload"]["data"]
    assert told["subject"] == DEMO_USER_EMAIL
    assert told["purposes"]["marketing"]["granted"] is False
    page.reload()
    assert "Demo CRM confirmed it on" in page.locator("tr.history-entry").first.inner_text()

    newest = events_of(demo_site, DEMO_USER_EMAIL)[0]
    assert newest.source == "account_settings"
    assert state_of(demo_site, DEMO_USER_EMAIL)["marketing"] is False
    assert not page.locator("#demo-marketing").is_checked()
    assert "Not allowed since" in page.locator('[data-purpose="marketing"]').first.inner_text()
    history = page.locator("tr.history-entry").first
    assert history.locator('li[data-purpose="marketing"]').get_attribute("data-granted") == "false"
    with page.expect_download() as download:
        history.get_by_role("link", name="Receipt").click()
    record = json.loads(Path(download.value.path()).read_text())
    assert record["record_id"] == newest.receipt_id
    assert {p["purpose_id"]: p["consent_status"] for p in record["purposes"]}["marketing"] == "withdrawn"

    _, key = api_key_create(organization=demo_site.organization, name="account settings browser test")
    answer = httpx.get(
        f"{live}/api/v1/sites/demo/subjects/{DEMO_USER_EMAIL}", headers={"Authorization": f"Bearer {key}"}
    )
    assert answer.json()["purposes"]["marketing"]["granted"] is False

    other = browser.new_context(locale="en-US")
    try:
        device = other.new_page()
        Trackers(device, live)
        device.goto(f"{live}/demo/")
        assert device.get_by_role("dialog").is_visible()  # a new device: not known yet
        token = token_make(secret=demo_site.identity_secret, use="identify", site_key="demo", user_id=DEMO_USER_EMAIL)
        answer = device.evaluate("([user, token]) => window.assent.identify(user, token)", [DEMO_USER_EMAIL, token])
        assert answer["decided"] is True
        assert device.evaluate("window.assent.get().marketing") is False
        assert device.evaluate("window.assent.decided()") is True
        assert not device.get_by_role("dialog").is_visible()
    finally:
        other.close()


def test_the_account_page_speaks_japanese_with_the_sites_own_words(page, live, demo_site):
    sign_in(page, live, "?lang=ja")
    page.goto(f"{live}/account/privacy/?lang=ja")

    assert page.locator("html").get_attribute("lang") == "ja"
    assert page.get_by_role("heading", name="あなたのプライバシー設定").is_visible()
    assert page.get_by_role("button", name="選択を保存").is_visible()
    label = page.locator('label[for="demo-marketing"]').inner_text()
    assert label == next(
        t.name for t in demo_site.purposes.get(slug="marketing").translations.all() if t.locale == "ja"
    )


def test_the_account_pages_have_no_accessibility_violations(browser, live, demo_site):
    # Injecting axe needs a script, which the pages' strict CSP rightly refuses.
    context = browser.new_context(bypass_csp=True)
    page = context.new_page()
    try:
        page.goto(f"{live}/account/login/")
        page.add_script_tag(path=str(AXE))
        assert page.evaluate(AXE_PAGE) == []
        sign_in(page, live)
        page.add_script_tag(path=str(AXE))
        assert page.evaluate(AXE_PAGE) == []
    finally:
        context.close()


def test_the_pages_run_under_their_strict_csp_without_a_violation(page, live, demo_site):
    page.add_init_script(CSP_WATCH)
    sign_in(page, live)

    response = page.goto(f"{live}/account/privacy/")

    assert "default-src 'none'" in response.headers["content-security-policy"]
    assert page.evaluate("window.__csp") == []
    assert page.locator("header").evaluate("el => getComputedStyle(el).display") == "flex"  # the nonced style applied


def test_the_toggles_work_with_the_keyboard_alone(page, live, demo_site):
    sign_in(page, live)
    switch = page.locator("#demo-marketing")
    was = switch.is_checked()

    switch.focus()
    page.keyboard.press("Space")
    page.get_by_role("button", name="Save my choices").focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")

    assert page.locator("#demo-marketing").is_checked() is not was
    assert state_of(demo_site, DEMO_USER_EMAIL)["marketing"] is not was
