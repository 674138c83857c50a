"""One site, the right regulation per visitor: subdivision, then country, then the site's default."""

import pytest

from consent.regions.resolution import UNKNOWN, RegionSignal
from consent.regions.selectors import regulation_select


def _regulation(slug, regions, default=False):
    return {"slug": slug, "regions": regions, "default": default}


REGULATIONS = [
    _regulation("us-ca", ["US-CA"]),
    _regulation("gdpr", ["EEA", "GB", "CH"]),
    _regulation("us", ["US"]),
    _regulation("appi", ["JP"]),
    _regulation("fallback", [], default=True),
]


@pytest.mark.parametrize(
    ("signal", "slug"),
    [
        (RegionSignal("US", "US-CA", "geoip"), "us-ca"),
        (RegionSignal("US", "US-TX", "geoip"), "us"),
        (RegionSignal("US", "", "geoip"), "us"),
        (RegionSignal("DE", "DE-BY", "geoip"), "gdpr"),
        (RegionSignal("NO", "", "geoip"), "gdpr"),
        (RegionSignal("GB", "", "geoip"), "gdpr"),
        (RegionSignal("JP", "JP-13", "geoip"), "appi"),
        (RegionSignal("BR", "", "geoip"), "fallback"),
        (UNKNOWN, "fallback"),
    ],
)
def test_it_picks_the_most_specific_regulation(signal, slug):
    assert regulation_select(REGULATIONS, signal)["slug"] == slug


def test_a_site_without_regulations_or_default_gets_none_and_keeps_its_banner():
    assert regulation_select([], RegionSignal("US", "US-CA", "geoip")) is None
    assert regulation_select([_regulation("gdpr", ["EEA"])], RegionSignal("US", "", "geoip")) is None
