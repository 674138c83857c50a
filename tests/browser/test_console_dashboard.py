"""The demo operator's dashboard in a real Chromium: every chart drawn, equal to its table, under the CSP."""

import pytest

from consent.console.tasks import ledger_check_all, rollups_fold_all
from consent.demo import DEMO_USER_EMAIL, DEMO_USER_PASSWORD, demo_seed
from consent.models import Site
from ledger import services as ledger_services
from tests.browser.helpers import AXE, AXE_PAGE, CSP_WATCH, demo_password_for_live_server
from tests.console.conftest import choose

pytestmark = pytest.mark.browser


# Per chart: the numbers Chart.js holds, and the numbers of the table beside it.
CHARTS_AND_TABLES = """() => [...document.querySelectorAll('canvas[data-chart]')].map((canvas) => {
  const id = canvas.dataset.chart;
  const chart = window.Chart.getChart(canvas);
  const rows = [...document.querySelectorAll(`table[data-table="${id}"] tbody tr`)]
    .filter((row) => row.querySelector('th'));
  return {
    id,
    drawn: Boolean(chart) && canvas.width > 0 && canvas.height > 0,
    chart: chart ? chart.data.datasets.map((d) => d.data.map((v) => (v === null ? null : Number(v)))) : [],
    table: chart ? chart.data.datasets.map((_, column) => rows.map((row) => {
      const text = row.cells[column + 1].textContent.trim();
      return text === '\u2013' ? null : Number(text);
    })) : [],
  };
})"""


@pytest.fixture
def demo_dashboard(live) -> Site:
    """The demo site with a few choices folded into its rollups and a verified log (committed)."""
    site = demo_seed().site
    demo_password_for_live_server()
    version = site.banner_versions.order_by("-number").first().content_hash
    slugs = list(site.purposes.filter(required=False).values_list("slug", flat=True))
    choose(site, "dashboard-a", dict.fromkeys(slugs, True), "accept_all", version)
    choose(site, "dashboard-b", dict.fromkeys(slugs, False), "reject_all", version)
    ledger_services.log_integrate(site=site.key, checkpoint_force=True)
    rollups_fold_all()
    ledger_check_all()
    return site


def sign_in(page, live: str) -> None:
    page.goto(f"{live}/admin/login/?next=/admin/")
    page.locator("#id_username").fill(DEMO_USER_EMAIL)
    page.locator("#id_password").fill(DEMO_USER_PASSWORD)
    page.locator("input[type=submit]").click()
    page.wait_for_url(f"{live}/admin/")


def test_the_dashboard_draws_every_chart_equal_to_its_table_without_a_csp_violation(
    page, live, demo_dashboard, tmp_path
):
    page.add_init_script(CSP_WATCH)
    sign_in(page, live)
    response = page.goto(f"{live}/admin/sites/{demo_dashboard.key}/dashboard/?days=7")
    assert "script-src 'self'" in response.headers["content-security-policy"]
    page.wait_for_function("document.querySelectorAll('canvas[data-drawn]').length === 5")

    charts = page.evaluate(CHARTS_AND_TABLES)

    assert {chart["id"] for chart in charts} == {"funnel", "rates", "share", "withdrawals", "propagation"}
    for chart in charts:
        assert chart["drawn"], chart["id"]
        assert chart["chart"] == chart["table"], chart["id"]
    funnel = next(chart for chart in charts if chart["id"] == "funnel")
    assert sum(funnel["chart"][1]) >= 1  # accept all
    assert sum(funnel["chart"][2]) >= 1  # reject all
    assert page.evaluate("window.__csp") == []
    page.screenshot(path=str(tmp_path / "dashboard.png"), full_page=True)
    assert (tmp_path / "dashboard.png").stat().st_size > 0


def test_the_dashboard_has_no_accessibility_violations(browser, live, demo_dashboard):
    # Injecting axe needs a script, which the console's strict CSP rightly refuses.
    context = browser.new_context(bypass_csp=True)
    page = context.new_page()
    try:
        sign_in(page, live)
        page.goto(f"{live}/admin/sites/{demo_dashboard.key}/dashboard/")
        page.wait_for_function("document.querySelectorAll('canvas[data-drawn]').length === 5")
        page.add_script_tag(path=str(AXE))
        assert page.evaluate(AXE_PAGE) == []
    finally:
        context.close()


def test_the_publish_page_previews_each_locale_and_layer_with_the_real_banner(page, live, demo_dashboard, tmp_path):
    from consent.services import banner_content

    page.add_init_script(CSP_WATCH)
    sign_in(page, live)
    page.goto(f"{live}/admin/consent/site/{demo_dashboard.pk}/publish/")
    # What the preview shows is the draft as it would publish, stock strings filled in.
    texts = banner_content(site=demo_dashboard)["texts"]
    frames = page.locator("iframe[sandbox]")
    assert frames.count() == 2 * len(demo_dashboard.locales)
    for index in range(frames.count()):
        frame = frames.nth(index)
        assert frame.get_attribute("sandbox") == "allow-scripts"
        src = frame.get_attribute("src")
        locale, layer = src.rstrip("/").split("/")[-2:]
        inside = page.frame_locator("iframe[sandbox]").nth(index)
        heading = "#assent-pt" if layer == "preferences" else "#assent-t"
        wanted = texts[locale]["preferences_title" if layer == "preferences" else "title"]
        assert inside.locator(heading).inner_text(timeout=10_000) == wanted
    assert page.evaluate("window.__csp") == []
    previews = [frame for frame in page.frames if "/preview/" in frame.url]
    assert len(previews) == frames.count()
    assert [frame.evaluate("window.__csp") for frame in previews] == [[]] * len(previews)
    # The frames are opaque origins: none of them can read the console's page.
    assert page.evaluate("[...document.querySelectorAll('iframe')].every((f) => f.contentDocument === null)")
    page.screenshot(path=str(tmp_path / "publish.png"), full_page=True)
