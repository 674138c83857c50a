"""Reads: a site's regulations as a banner version freezes them, and the one that applies to a region."""

from collections.abc import Mapping, Sequence
from functools import lru_cache
from typing import Any

from consent.models import Site
from consent.regions.codes import regions_expand
from consent.regions.resolution import RegionSignal

_TEXT_FIELDS = ("notice_title", "notice_body", "choices_link", "opt_out_label")


def regulations_content(*, site: Site) -> list[dict[str, Any]]:
    """Return the site's regulations as a banner version freezes them, in order of precedence."""
    out = []
    for regulation in site.regulations.prefetch_related("texts").order_by("order", "slug"):
        out.append(
            {
                "slug": regulation.slug,
                "name": regulation.name,
                "model": regulation.model,
                "regions": sorted(regulation.regions),
                "default": regulation.is_default,
                "opt_in_purposes": sorted(regulation.opt_in_purposes),
                "gpc": regulation.gpc_binds,
                "gpp_sections": list(regulation.gpp_sections),
                "response_days": regulation.response_days,
                "extension_days": regulation.extension_days,
                "texts": {
                    text.locale: {name: getattr(text, name) for name in _TEXT_FIELDS}
                    for text in sorted(regulation.texts.all(), key=lambda t: t.locale)
                },
            }
        )
    return out


@lru_cache(maxsize=256)
def _index(regulations: tuple[tuple[str, tuple[str, ...], bool], ...]) -> tuple[dict[str, int], int | None]:
    """Return region code → position of the first regulation naming it, and the default's position."""
    by_code: dict[str, int] = {}
    default = None
    for position, (_, codes, is_default) in enumerate(regulations):
        for code in regions_expand(list(codes)):
            by_code.setdefault(code, position)
        if is_default and default is None:
            default = position
    return by_code, default


def regulation_select(regulations: Sequence[Mapping[str, Any]], signal: RegionSignal) -> Mapping[str, Any] | None:
    """Return the regulation for a region: its subdivision's, else its country's, else the default, else None."""
    if not regulations:
        return None
    key = tuple((r["slug"], tuple(r["regions"]), bool(r["default"])) for r in regulations)
    by_code, default = _index(key)
    for code in (signal.subdivision, signal.country):
        if code and code in by_code:
            return regulations[by_code[code]]
    return regulations[default] if default is not None else None
