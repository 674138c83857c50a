"""The TypeScript declaration of window.assent names exactly what the running banner exposes."""

import re
from pathlib import Path

import pytest
from django.conf import settings

pytestmark = pytest.mark.browser

DECLARATION = Path(settings.BASE_DIR) / "static" / "banner" / "assent.d.ts"


def _declared() -> set[str]:
    body = re.search(r"export interface Assent \{(.*?)\n\}", DECLARATION.read_text(), re.S)
    assert body
    return set(re.findall(r"^\s+(?:readonly )?(\w+)[(:]", body.group(1), re.M))


def test_the_declaration_matches_the_page_api(page, demo, trackers):
    page.goto(demo)
    page.wait_for_function("() => window.assent")
    assert _declared() == set(page.evaluate("Object.keys(window.assent)"))
