"""The banner's GPP strings, decoded by the IAB's own @iabgpp/cmpapi, say exactly what the visitor chose."""

import json
import subprocess
from itertools import product
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SECTION_IDS = {"usnat": 7, "usca": 8}
CHOICES = [
    {"saleOptOut": sale, "sharingOptOut": share, "targetedAdvertisingOptOut": ads, "gpc": gpc}
    for sale, share, ads, gpc in product([False, True], repeat=4)
]


@pytest.fixture(scope="module")
def results():
    cases = [
        {"sections": sections, "choice": choice}
        for sections in (["usnat"], ["usca"], ["usnat", "usca"])
        for choice in CHOICES
    ]
    out = subprocess.run(
        ["node", str(ROOT / "tests/banner/gpp_check.mjs"), str(ROOT / "static/banner/src/gpp.js"), json.dumps(cases)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return [json.loads(line) for line in out.stdout.splitlines()]


def _opt(value):
    return 1 if value else 2  # GPP: 1 = opted out, 2 = did not opt out


def test_every_string_decodes_to_the_visitors_choices(results):
    assert len(results) == 3 * len(CHOICES)
    for result in results:
        choice = result["choice"]
        assert result["ids"] == [SECTION_IDS[name] for name in result["sections"]]
        for name in result["sections"]:
            section = result["decoded"][name]
            assert section["SaleOptOut"] == _opt(choice["saleOptOut"])
            assert section["SharingOptOut"] == _opt(choice["sharingOptOut"])
            assert section["SaleOptOutNotice"] == 1
            assert section["SharingOptOutNotice"] == 1
            assert section["Gpc"] is choice["gpc"]
            assert section["MspaCoveredTransaction"] == 2
            if name == "usnat":
                assert section["TargetedAdvertisingOptOut"] == _opt(choice["targetedAdvertisingOptOut"])


def test_the_api_answers_every_field_as_the_decoder_reads_it(results):
    for result in results:
        assert result["answered"] == result["decoded"]


def test_ping_reports_the_sections_and_the_same_string(results):
    for result in results:
        ping = result["ping"]
        assert ping["gppVersion"] == "1.1"
        assert ping["signalStatus"] == "ready"
        assert ping["gppString"] == result["string"]
        assert ping["applicableSections"] == result["ids"]
        assert ping["supportedAPIs"] == [f"{SECTION_IDS[n]}:{n}" for n in result["sections"]]
