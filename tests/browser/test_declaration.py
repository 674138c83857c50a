"""The cookie declaration in a real Chromium: in the preferences layer and on the demo's own page."""

import pytest

from tests.browser.helpers import AXE, AXE_PAGE, Trackers

pytestmark = pytest.mark.browser

DRAWN = "() => document.querySelector('[data-assent-declaration]').shadowRoot?.querySelector('table')"
TABLE_ROWS = "el => [...el.shadowRoot.querySelectorAll('tbody tr')].map(tr => [...tr.cells].map(c => c.textContent))"


def test_the_preferences_layer_shows_each_declared_purposes_cookies(page, demo, trackers):
    page.goto(demo)
    page.get_by_role("button", name="Customize", exact=True).click()
    prefs = page.get_by_role("dialog", name="Privacy preferences")
    prefs.wait_for()
    summary = prefs.get_by_text("Cookies (3)")
    summary.click()
    table = prefs.get_by_role("table")
    assert table.count() == 1
    headers = ["Name", "Provider", "Duration", "Type", "Description"]
    assert table.get_by_role("columnheader").all_inner_texts() == headers
    first = table.get_by_role("row").nth(1)
    cells = ["Google", "2 years", "Third party", "Tells visits apart for statistics."]
    assert first.get_by_role("cell").all_inner_texts() == cells
    assert first.get_by_role("rowheader").inner_text() == "_ga"


def test_a_policy_page_element_shows_every_purposes_cookies(page, demo, trackers):
    page.goto(demo)
    embed = page.locator("[data-assent-declaration]")
    page.wait_for_function(DRAWN)
    captions = embed.locator("caption").all_inner_texts()
    assert captions == ["Service delivery", "Advertising and statistical analysis", "Analytics and marketing"]
    rows = embed.evaluate(TABLE_ROWS)
    assert ["_ga", "Google", "2 years", "Third party", "Tells visits apart for statistics."] in rows
    assert ["_gid", "Google", "24 hours", "Third party", ""] in rows
    # Bare names still appear, with what is known of them.
    assert ["sessionid", "", "", "First party", ""] in rows


def test_operator_text_in_the_declaration_stays_text(page, demo, trackers):
    page.goto(demo)
    page.wait_for_function(DRAWN)
    page.evaluate(
        """() => {
          const p = {slug: 'x', declaration: [{name: '<img src=x onerror=window.__pwned=1>', provider: '<b>p</b>'}]};
          document.body.append(window.__assentDeclare(p));
        }"""
    )
    page.wait_for_timeout(100)
    assert page.evaluate("() => window.__pwned") is None
    assert page.locator("img[src=x]").count() == 0


def test_axe_finds_no_violations_in_the_declaration(browser, live, demo_site):
    # Injecting axe needs an inline script, which the demo's strict CSP rightly refuses.
    context = browser.new_context(bypass_csp=True)
    page = context.new_page()
    Trackers(page, live)
    try:
        page.goto(f"{live}/demo/")
        page.wait_for_function(DRAWN)
        page.add_script_tag(path=str(AXE))
        violations = page.evaluate(AXE_PAGE.replace("run(document", "run({include: [['[data-assent-declaration]']]}"))
        assert violations == []
        page.get_by_role("button", name="Customize", exact=True).click()
        page.get_by_text("Cookies (3)").click()
        violations = page.evaluate(AXE_PAGE.replace("run(document", "run({include: [['assent-banner']]}"))
        assert violations == []
    finally:
        context.close()
