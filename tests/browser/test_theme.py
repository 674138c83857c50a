"""A themed banner in a real Chromium: where each position puts it, the theme's colours, equal choices, axe.

One page load per position preset, on a page with a strict CSP (the theme is applied through the
CSSOM, which such a policy allows), carrying axe-core from its own origin.
"""

import uuid
from typing import Any

import pytest

from consent.banner.models import BannerTheme
from consent.models import Site
from tests import factories
from tests.browser.helpers import AXE, AXE_BANNER, CSP_WATCH

pytestmark = pytest.mark.browser

PAGE_CSP = "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'"
WIDTH, HEIGHT = 1280, 720
# One theme per position: dark, tinted, outlined buttons, stock colours, and rounded with a serif font.
THEMES: dict[str, dict[str, Any]] = {
    "bar-bottom": {
        "text_colour": "#f5f5f5",
        "background_colour": "#111827",
        "button_background": "#fbbf24",
        "button_text": "#111827",
        "link_colour": "#93c5fd",
        "corner_radius": 0,
    },
    "bar-top": {
        "text_colour": "#14532d",
        "background_colour": "#f0fdf4",
        "button_background": "#166534",
        "button_text": "#ffffff",
        "link_colour": "#14532d",
    },
    "box-left": {
        "text_colour": "#111111",
        "background_colour": "#ffffff",
        "button_background": "#f3f4f6",
        "button_text": "#111111",
        "button_border": True,
        "link_colour": "#1d4ed8",
    },
    "box-right": {"button_order": "reject-first"},
    "modal": {"font_family": "Georgia, serif", "corner_radius": 16, "button_order": "reject-first"},
}

READ = """() => {
  const root = document.querySelector('assent-banner').shadowRoot;
  const layer = root.querySelector('dialog.layer');
  const box = (el) => { const r = el.getBoundingClientRect(); return [r.left, r.top, r.right, r.bottom]; };
  const style = (el) => {
    const s = getComputedStyle(el);
    return {background: s.backgroundColor, color: s.color, border: s.borderTopColor, borderWidth: s.borderTopWidth,
            radius: s.borderTopLeftRadius, font: s.fontFamily, size: s.fontSize, padding: s.padding,
            height: el.getBoundingClientRect().height, visibility: s.visibility, opacity: s.opacity};
  };
  const buttons = [...layer.querySelectorAll('.row button')];
  return {layer: {box: box(layer), ...style(layer)}, link: style(layer.querySelector('a')),
          buttons: buttons.map((b) => ({text: b.textContent, ...style(b)}))};
}"""


def rgb(colour: str) -> str:
    red, green, blue = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
    return f"rgb({red}, {green}, {blue})"


def strict_page(page: Any, url: str, *, head: str, body: str) -> str:
    """Serve a page at url under PAGE_CSP, with head's scripts and body's markup; return url."""
    html = (
        f'<!DOCTYPE html><html lang="en"><head><title>Theme check</title>{head}</head>'
        f"<body><main>{body}</main></body></html>"
    )
    page.route(
        url,
        lambda route: route.fulfill(
            status=200,
            headers={"Content-Type": "text/html; charset=utf-8", "Content-Security-Policy": PAGE_CSP},
            body=html,
        ),
    )
    return url


def themed_site(live: str, position: str) -> Site:
    """Publish a site of its own with the preset's theme (the live server's database is shared)."""
    organization = factories.OrganizationFactory(name="Theme checks")
    site = factories.published_site(organization=organization, key=f"theme-{position}-{uuid.uuid4().hex[:8]}")
    site.allowed_origins = [live]
    site.save(update_fields=["allowed_origins"])
    theme = BannerTheme(site=site, position=position, **THEMES[position])
    theme.full_clean()
    theme.save()
    factories.services.banner_publish(site=site, material=True)
    return site


@pytest.mark.parametrize("position", list(THEMES))
def test_each_position_places_a_themed_banner_with_equal_choices_and_no_axe_violation(browser, live, position):
    site = themed_site(live, position)
    theme = BannerTheme.objects.get(site=site)
    context = browser.new_context(locale="en-US", viewport={"width": WIDTH, "height": HEIGHT}, reduced_motion="reduce")
    page = context.new_page()
    url = strict_page(
        page,
        f"{live}/theme-check/{site.key}/",
        head=f'<script src="/theme-check/axe.js"></script><script src="/c/{site.key}.js"></script>',
        body="<h1>A page</h1>",
    )
    page.route(f"{live}/theme-check/axe.js", lambda route: route.fulfill(path=str(AXE)))
    page.add_init_script(CSP_WATCH)
    try:
        page.goto(url)
        page.get_by_role("dialog", name="We use cookies").wait_for()
        seen = page.evaluate(READ)

        left, top, right, bottom = seen["layer"]["box"]
        if position == "bar-bottom":
            assert (left, right, bottom) == (0, WIDTH, HEIGHT)
        elif position == "bar-top":
            assert (left, top, right) == (0, 0, WIDTH)
        elif position == "box-left":
            assert (left, bottom) == (16, HEIGHT - 16)
            assert right < WIDTH / 2
        elif position == "box-right":
            assert (right, bottom) == (WIDTH - 16, HEIGHT - 16)
            assert left > WIDTH / 2
        else:
            assert abs((left + right) / 2 - WIDTH / 2) <= 1
            assert abs((top + bottom) / 2 - HEIGHT / 2) <= 1
            assert right - left < WIDTH / 2

        assert seen["layer"]["background"] == rgb(theme.background_colour)
        assert seen["layer"]["color"] == rgb(theme.text_colour)
        assert seen["link"]["color"] == rgb(theme.link_colour)
        if theme.font_family:
            assert seen["layer"]["font"] == theme.font_family

        accept, reject = sorted(seen["buttons"][:2], key=lambda b: b["text"])
        customize = seen["buttons"][2]
        expected_order = (
            ["Reject all", "Accept all"] if theme.button_order == "reject-first" else ["Accept all", "Reject all"]
        )
        assert [b["text"] for b in seen["buttons"]] == [*expected_order, "Customize"]
        # Accept and Reject: one style, whatever the theme (only their labels differ).
        assert {k: v for k, v in accept.items() if k != "text"} == {k: v for k, v in reject.items() if k != "text"}
        assert accept["background"] == rgb(theme.button_background)
        assert accept["color"] == rgb(theme.button_text)
        assert accept["border"] == rgb(theme.text_colour if theme.button_border else theme.button_background)
        assert accept["radius"] == f"{theme.corner_radius}px"
        assert (accept["visibility"], accept["opacity"]) == ("visible", "1")
        assert customize["height"] == accept["height"]

        assert page.evaluate(AXE_BANNER) == []
        if theme.button_order == "reject-first":
            # The preferences layer orders its two choices the same way.
            page.get_by_role("button", name="Customize").click()
            row = page.get_by_role("dialog", name="Preferences").locator(".row button")
            assert row.all_text_contents() == ["Reject all", "Accept all", "Save"]
            assert page.evaluate(AXE_BANNER) == []
        assert page.evaluate("window.__csp") == []
    finally:
        context.close()


def test_the_preference_centre_wears_the_sites_theme(browser, live):
    """The account page's preference centre is the same product as the banner: the same colours."""
    site = themed_site(live, "bar-bottom")
    theme = BannerTheme.objects.get(site=site)
    context = browser.new_context(locale="en-US")
    page = context.new_page()
    url = strict_page(
        page,
        f"{live}/theme-check/{site.key}/account/",
        head=f'<script src="/c/{site.key}.js"></script>',
        body='<h1>Your privacy</h1><div id="prefs"></div>',
    )
    page.add_init_script(CSP_WATCH)
    try:
        page.goto(url)
        page.get_by_role("button", name="Reject all").click()
        page.evaluate("assent.mountPreferences(document.getElementById('prefs'))")
        centre = page.locator("#prefs")
        centre.get_by_role("switch", name="Analytics").wait_for()
        seen = page.evaluate(
            """() => {
              const root = document.getElementById('prefs').shadowRoot;
              const style = (el) => { const s = getComputedStyle(el); return [s.backgroundColor, s.color]; };
              return {panel: style(root.querySelector('section')), button: style(root.querySelector('button'))};
            }"""
        )
        assert seen["panel"] == [rgb(theme.background_colour), rgb(theme.text_colour)]
        assert seen["button"] == [rgb(theme.button_background), rgb(theme.button_text)]
        assert page.evaluate("window.__csp") == []
    finally:
        context.close()
