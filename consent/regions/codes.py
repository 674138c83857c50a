"""Region codes: ISO 3166-1 countries, ISO 3166-2 subdivisions, and the named groups operators may use."""

import re

REGION_CODE = re.compile(r"^[A-Z]{2}(?:-[A-Z0-9]{1,3})?$")

# Named groups so an operator writes "EEA" instead of thirty codes. The EEA is the EU plus Iceland,
# Liechtenstein and Norway; the UK and Switzerland are listed by their own codes.
EU = (
    "AT", "BE", "BG", "HR", "CY", "CZ", "DK", "EE", "FI", "FR", "DE", "GR", "HU", "IE", "IT", "LV", "LT", "LU",
    "MT", "NL", "PL", "PT", "RO", "SK", "SI", "ES", "SE",
)  # fmt: skip
GROUPS: dict[str, tuple[str, ...]] = {"EU": EU, "EEA": (*EU, "IS", "LI", "NO")}


def region_code_check(code: str) -> str:
    """Return a region code or group name upper-cased, or raise ValueError saying what is wrong."""
    value = code.strip().upper()
    if value in GROUPS or REGION_CODE.match(value):
        return value
    raise ValueError(f"{code!r} is not an ISO 3166 code (DE, US-CA) or a group ({', '.join(sorted(GROUPS))})")


def regions_expand(codes: list[str]) -> frozenset[str]:
    """Return the codes with every group replaced by its members."""
    out: set[str] = set()
    for code in codes:
        out.update(GROUPS.get(code, (code,)))
    return frozenset(out)
