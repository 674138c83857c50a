"""A visitor's region comes from a header the operator trusts, or their GeoIP2 file, never from a client's claim."""

import pytest
from mmdb_writer import MMDBWriter
from netaddr import IPSet

from consent.regions.resolution import UNKNOWN, RegionSignal, preset_parse, region_resolve


@pytest.mark.parametrize(
    ("preset", "meta", "expected"),
    [
        ("cloudflare", {"HTTP_CF_IPCOUNTRY": "US", "HTTP_CF_REGION_CODE": "CA"}, ("US", "US-CA")),
        ("cloudflare", {"HTTP_CF_IPCOUNTRY": "de"}, ("DE", "")),
        (
            "cloudfront",
            {"HTTP_CLOUDFRONT_VIEWER_COUNTRY": "US", "HTTP_CLOUDFRONT_VIEWER_COUNTRY_REGION": "CO"},
            ("US", "US-CO"),
        ),
        ("fastly", {"HTTP_FASTLY_GEO_COUNTRY": "JP", "HTTP_FASTLY_GEO_REGION": "13"}, ("JP", "JP-13")),
        ("vercel", {"HTTP_X_VERCEL_IP_COUNTRY": "US", "HTTP_X_VERCEL_IP_COUNTRY_REGION": "VA"}, ("US", "US-VA")),
        ("appengine", {"HTTP_X_APPENGINE_COUNTRY": "US", "HTTP_X_APPENGINE_REGION": "ca"}, ("US", "US-CA")),
        (
            "akamai",
            {"HTTP_X_AKAMAI_EDGESCAPE": "georegion=246,country_code=US,region_code=TX,city=AUSTIN"},
            ("US", "US-TX"),
        ),
        ("Geo-Country,Geo-Region", {"HTTP_GEO_COUNTRY": "GB", "HTTP_GEO_REGION": "ENG"}, ("GB", "GB-ENG")),
    ],
)
def test_it_reads_each_cdn_presets_headers(preset, meta, expected):
    signal = region_resolve(meta, address="203.0.113.9", headers=preset)
    assert (signal.country, signal.subdivision) == expected
    assert signal.source.startswith("header:")


def test_it_ignores_location_headers_the_operator_did_not_name():
    spoofed = {"HTTP_CF_IPCOUNTRY": "US", "HTTP_CF_REGION_CODE": "CA", "HTTP_X_VERCEL_IP_COUNTRY": "US"}
    assert region_resolve(spoofed, address="203.0.113.9", headers="") is UNKNOWN
    assert region_resolve(spoofed, address="203.0.113.9", headers="cloudfront") is UNKNOWN


@pytest.mark.parametrize("value", ["XX", "T1", "", "USA", "1<", "US-CA"])
def test_placeholders_and_malformed_countries_read_as_unknown(value):
    assert region_resolve({"HTTP_CF_IPCOUNTRY": value}, address="", headers="cloudflare") is UNKNOWN


def test_a_malformed_subdivision_is_dropped_but_the_country_kept():
    signal = region_resolve(
        {"HTTP_CF_IPCOUNTRY": "US", "HTTP_CF_REGION_CODE": "<script>"}, address="", headers="cloudflare"
    )
    assert signal == RegionSignal(country="US", subdivision="", source="header:cloudflare")


@pytest.mark.parametrize("value", ["cloudflare,extra,more", "Bad Header", "a;b"])
def test_a_malformed_header_setting_is_refused(value):
    with pytest.raises(ValueError, match="preset"):
        preset_parse(value)


@pytest.fixture(scope="module")
def geoip_city(tmp_path_factory):
    """A tiny GeoIP2 City file made here: the project ships and downloads none."""
    writer = MMDBWriter(ip_version=6, database_type="GeoIP2-City", ipv4_compatible=True)
    writer.insert_network(IPSet(["8.8.8.0/24"]), {"country": {"iso_code": "US"}, "subdivisions": [{"iso_code": "CA"}]})
    writer.insert_network(IPSet(["2.16.0.0/16"]), {"country": {"iso_code": "FR"}})
    path = tmp_path_factory.mktemp("geoip") / "City.mmdb"
    writer.to_db_file(str(path))
    return str(path)


def test_it_falls_back_to_the_operators_geoip_file(geoip_city):
    signal = region_resolve({}, address="8.8.8.8", headers="cloudflare", geoip_path=geoip_city)
    assert signal == RegionSignal(country="US", subdivision="US-CA", source="geoip")
    assert region_resolve({}, address="2.16.1.1", geoip_path=geoip_city).country == "FR"


def test_the_header_wins_over_the_geoip_file(geoip_city):
    signal = region_resolve({"HTTP_CF_IPCOUNTRY": "JP"}, address="8.8.8.8", headers="cloudflare", geoip_path=geoip_city)
    assert signal.country == "JP"


@pytest.mark.parametrize("address", ["10.0.0.1", "127.0.0.1", "9.9.9.9", "not-an-ip"])
def test_private_unknown_and_malformed_addresses_are_unknown(geoip_city, address):
    assert region_resolve({}, address=address, geoip_path=geoip_city) is UNKNOWN
