"""Where a visitor is, from a header the operator's CDN or proxy sets, or from their own GeoIP2 file.

A header is believed only when the operator names it (a preset or their own names): the CDN sets it
and overwrites whatever the client sent. Any other geolocation header a client sends is ignored. The
project ships and downloads no location data.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from consent.regions.codes import REGION_CODE


@dataclass(frozen=True)
class RegionSignal:
    """A visitor's region as far as it is known, and what said so."""

    country: str = ""
    subdivision: str = ""  # ISO 3166-2, with its country: "US-CA"
    source: str = ""  # "header:cloudflare", "geoip", "preview"; empty when nothing knew

    @property
    def code(self) -> str:
        """Return the most specific code known, or ""."""
        return self.subdivision or self.country


UNKNOWN = RegionSignal()


@dataclass(frozen=True)
class HeaderPreset:
    country: str
    region: str = ""


# WSGI names of the headers each CDN sets. Region headers carry the subdivision without its country
# ("CA"); Akamai packs both into one header, read separately below.
PRESETS: dict[str, HeaderPreset] = {
    # Cloudflare: CF-IPCountry always; CF-Region-Code with the "visitor location headers" managed transform.
    "cloudflare": HeaderPreset("HTTP_CF_IPCOUNTRY", "HTTP_CF_REGION_CODE"),
    # CloudFront: both are origin-request-policy headers the distribution must forward.
    "cloudfront": HeaderPreset("HTTP_CLOUDFRONT_VIEWER_COUNTRY", "HTTP_CLOUDFRONT_VIEWER_COUNTRY_REGION"),
    # Fastly: set by VCL from client.geo.country_code and client.geo.region (docs/regions.md).
    "fastly": HeaderPreset("HTTP_FASTLY_GEO_COUNTRY", "HTTP_FASTLY_GEO_REGION"),
    "vercel": HeaderPreset("HTTP_X_VERCEL_IP_COUNTRY", "HTTP_X_VERCEL_IP_COUNTRY_REGION"),
    "appengine": HeaderPreset("HTTP_X_APPENGINE_COUNTRY", "HTTP_X_APPENGINE_REGION"),
    # Akamai: X-Akamai-Edgescape: georegion=…,country_code=US,region_code=CA,…
    "akamai": HeaderPreset("HTTP_X_AKAMAI_EDGESCAPE"),
}
# Placeholders CDNs send when they do not know: Cloudflare's XX (unknown) and T1 (Tor).
_NOT_A_COUNTRY = frozenset({"XX", "T1", "ZZ", "A1", "A2", "O1", ""})


def _header_name(name: str) -> str:
    return "HTTP_" + name.strip().upper().replace("-", "_")


def preset_parse(value: str) -> tuple[str, HeaderPreset] | None:
    """Return the label and headers of ASSENT_REGION_HEADERS: a preset name or "Country-Header[,Region-Header]"."""
    value = value.strip()
    if not value:
        return None
    if value.lower() in PRESETS:
        return value.lower(), PRESETS[value.lower()]
    names = [part for part in (p.strip() for p in value.split(",")) if part]
    if not 1 <= len(names) <= 2 or not all(all(c.isalnum() or c == "-" for c in n) for n in names):
        raise ValueError(f"a preset ({', '.join(sorted(PRESETS))}) or one or two header names, got {value!r}")
    return "custom", HeaderPreset(_header_name(names[0]), _header_name(names[1]) if len(names) > 1 else "")


def _signal(country: str, region: str, source: str) -> RegionSignal:
    """Return a checked signal from raw values, dropping whatever is not an ISO code."""
    country = country.strip().upper()
    if country in _NOT_A_COUNTRY or not REGION_CODE.match(country) or "-" in country:
        return UNKNOWN
    region = region.strip().upper()
    if region and not region.startswith(f"{country}-"):
        region = f"{country}-{region}"
    subdivision = region if region and REGION_CODE.match(region) else ""
    return RegionSignal(country=country, subdivision=subdivision, source=source)


def _edgescape(value: str) -> tuple[str, str]:
    fields = dict(part.split("=", 1) for part in value.split(",") if "=" in part)
    return fields.get("country_code", ""), fields.get("region_code", "")


def region_from_headers(meta: dict[str, Any], label: str, preset: HeaderPreset) -> RegionSignal:
    """Return the region the trusted headers name, or UNKNOWN."""
    raw = meta.get(preset.country, "")
    if not isinstance(raw, str) or not raw or len(raw) > 512:
        return UNKNOWN
    if label == "akamai":
        country, region = _edgescape(raw)
    else:
        country, region = raw, meta.get(preset.region, "") if preset.region else ""
    return _signal(country, region if isinstance(region, str) else "", f"header:{label}")


@lru_cache(maxsize=2)
def _geoip_reader(path: str) -> Any:
    import geoip2.database

    return geoip2.database.Reader(path)


def region_from_geoip(path: str, address: str) -> RegionSignal:
    """Return the region an operator's GeoIP2/GeoLite2 City or Country file gives for an address."""
    import geoip2.errors

    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return UNKNOWN
    if not ip.is_global:
        return UNKNOWN
    reader = _geoip_reader(path)
    try:
        if "City" in reader.metadata().database_type:
            found = reader.city(str(ip))
            subdivision = found.subdivisions.most_specific.iso_code or ""
        else:
            found, subdivision = reader.country(str(ip)), ""
    except geoip2.errors.AddressNotFoundError:
        return UNKNOWN
    return _signal(found.country.iso_code or "", subdivision, "geoip")


def region_resolve(meta: dict[str, Any], *, address: str, headers: str = "", geoip_path: str = "") -> RegionSignal:
    """Return a request's region: the trusted header first, then the GeoIP2 file, else UNKNOWN."""
    parsed = preset_parse(headers)
    if parsed is not None:
        signal = region_from_headers(meta, *parsed)
        if signal is not UNKNOWN:
            return signal
    if geoip_path and address:
        return region_from_geoip(geoip_path, address)
    return UNKNOWN
