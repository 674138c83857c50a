"""The stock strings in a real Chromium: a site that writes only its purposes gets each shipped language."""

import uuid

import pytest

from consent.banner.stock import STOCK
from consent.models import BannerText
from tests import factories

pytestmark = pytest.mark.browser

PAGE = (
    '<!DOCTYPE html><html lang="{lang}"><head><title>Stock strings</title>'
    '<script src="/c/{key}.js"></script></head><body><main><h1>{lang}</h1></main></body></html>'
)


def _serving(body: str):
    # A handler of one parameter: Playwright passes the request too to one that takes a second.
    return lambda route: route.fulfill(status=200, content_type="text/html", body=body)


def test_each_stock_language_is_shown_when_the_pages_language_asks_for_it(browser, live):
    languages = list(STOCK)
    organization = factories.OrganizationFactory(name="Stock strings")
    site = factories.published_site(
        organization=organization, key=f"stock-{uuid.uuid4().hex[:8]}", locales=tuple(languages)
    )
    site.allowed_origins = [live]
    site.save(update_fields=["allowed_origins"])
    # The operator wrote only the purposes: every fixed string of every language comes from the product.
    BannerText.objects.filter(site=site).update(**dict.fromkeys(factories.TEXTS, ""))
    factories.services.banner_publish(site=site, material=True)

    context = browser.new_context(locale="en-US")
    try:
        page = context.new_page()
        for lang in languages:
            url = f"{live}/stock-check/{lang}/"
            body = PAGE.format(lang=lang, key=site.key)
            page.route(url, _serving(body))
            page.goto(url)
            dialog = page.get_by_role("dialog", name=STOCK[lang]["title"])
            dialog.wait_for()
            assert dialog.get_attribute("lang") == lang
            for key in ("accept_all", "reject_all", "customize"):
                assert dialog.get_by_role("button", name=STOCK[lang][key], exact=True).is_visible(), (lang, key)
    finally:
        context.close()
