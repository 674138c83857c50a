"""The opt-in banner stays the smallest in the field: what only some regions need loads only there."""

import gzip
from pathlib import Path

DIST = Path(__file__).resolve().parents[2] / "static" / "banner" / "dist"
BUDGET = 7 * 1024  # JS + CSS (inlined), gzip -9, for a visitor under an opt-in regulation


def _gzip(name: str) -> int:
    return len(gzip.compress((DIST / name).read_bytes(), 9, mtime=0))


def test_the_opt_in_bundle_fits_its_budget():
    assert _gzip("assent.js") <= BUDGET


def test_the_regional_bundle_carries_what_opt_in_pages_never_load():
    regional = (DIST / "regional.js").read_text()
    assert "__gpp" in regional
    assert "__gpp" not in (DIST / "assent.js").read_text()
    assert _gzip("regional.js") <= 3 * 1024


def test_the_cookie_declaration_loads_only_with_its_own_bundle():
    assert "__assentDeclare=" not in (DIST / "assent.js").read_text().replace(" ", "")
    assert "data-assent-declaration" in (DIST / "declaration.js").read_text()
    assert _gzip("declaration.js") <= 2 * 1024
