"""Reads for the banner: the public configuration of a site and the script that carries it."""

import base64
import contextlib
import hashlib
import json
import logging
from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db.models import Max

from consent.banner.stock import stock_text
from consent.banner.theme import theme_config
from consent.edge.ratelimit import CACHE_ERRORS
from consent.models import BannerVersion, Site
from consent.regions.resolution import UNKNOWN, RegionSignal
from consent.regions.selectors import regulation_select

logger = logging.getLogger(__name__)

BUNDLE_PATH = Path(settings.BASE_DIR) / "static" / "banner" / "dist" / "assent.js"
REGIONAL_BUNDLE_PATH = BUNDLE_PATH.with_name("regional.js")
EMBEDS_BUNDLE_PATH = BUNDLE_PATH.with_name("embeds.js")
DECLARATION_BUNDLE_PATH = BUNDLE_PATH.with_name("declaration.js")
VENDORS_BUNDLE_PATH = BUNDLE_PATH.with_name("vendors.js")
PUBLIC_PREFIX = "/api/v1/public/sites"
ORIGINS_CACHE_SECONDS = 30


def site_public_get(*, key: str) -> Site | None:
    """Return the site a public request names, or None."""
    return Site.objects.filter(key=key).first()


def version_latest(*, site: Site) -> BannerVersion | None:
    """Return the site's newest published banner version."""
    return BannerVersion.objects.filter(site=site).order_by("-number").first()


def version_numbered(*, site: Site, number: int) -> BannerVersion | None:
    """Return one published version of the site by its number."""
    return BannerVersion.objects.filter(site=site, number=number).first()


def version_by_hash(*, site: Site, content_hash: str) -> BannerVersion | None:
    """Return one published version of the site by its content hash."""
    return BannerVersion.objects.filter(site=site, content_hash=content_hash).first()


def endpoints_for(*, key: str) -> dict[str, str]:
    """Return the paths the script calls, resolved by the browser against the script's own origin."""
    base = f"{PUBLIC_PREFIX}/{key}"
    return {
        "config": f"{base}/config",
        "consents": f"{base}/consents",
        "impressions": f"{base}/impressions",
        "identify": f"{base}/identify",
        "preferences": f"{base}/subjects/__subject__/preferences",
    }


def regulation_public(regulation: Mapping[str, Any] | None) -> dict[str, Any] | None:
    """Return what the banner needs of the regulation that applies (its deadlines stay on the server)."""
    if regulation is None:
        return None
    fields = ("slug", "model", "gpc", "gpp_sections", "opt_in_purposes", "texts")
    return {field: regulation[field] for field in fields}


def texts_served(texts: Mapping[str, Mapping[str, Any]]) -> dict[str, dict[str, Any]]:
    """Return a version's texts with the product's strings the banner needs and a site never edits."""
    out = {}
    for locale, words in texts.items():
        receipt = stock_text(locale=locale, key="receipt_link") or stock_text(locale="en", key="receipt_link")
        out[locale] = {"receipt_link": receipt, **words}
    return out


def banner_config(*, site: Site, version: BannerVersion, region: RegionSignal = UNKNOWN) -> dict[str, Any]:
    """Return everything the script needs for one version: texts, purposes, memory and endpoints.

    `revision` is the number of the latest material version up to this one: a stored choice made
    under a lower revision is asked again. `regulation` is the one that applies in the visitor's region.
    """
    revision = (
        BannerVersion.objects.filter(site=site, material=True, number__lte=version.number).aggregate(n=Max("number"))[
            "n"
        ]
        or version.number
    )
    content = version.content
    config = {
        "site": site.key,
        "banner_version": version.content_hash,
        "number": version.number,
        "revision": revision,
        "policy_url": content["policy_url"],
        "locales": content["locales"],
        "default_locale": content["default_locale"],
        "purposes": content["purposes"],
        "texts": texts_served(content["texts"]),
        "lifetime_days": site.consent_lifetime_days,
        "honour_gpc": site.honour_gpc,
        "cookie_domain": site.cookie_domain,
        "endpoints": endpoints_for(key=site.key),
        "regulation": regulation_public(regulation_select(content.get("regulations", []), region)),
    }
    if content.get("embeds"):
        config["embeds"] = True
    # The version's theme as values the script sets on its shadow root; a version without one looks stock.
    if content.get("theme") and (theme := theme_config(content["theme"])) is not None:
        config["theme"] = theme
    return config


@lru_cache(maxsize=8)
def _bundle_read(path: str, mtime_ns: int) -> str:
    return Path(path).read_text(encoding="utf-8")


def bundle_text(path: Path = BUNDLE_PATH) -> str:
    """Return a built bundle, re-read when the file changes (a rebuild or a deploy)."""
    return _bundle_read(str(path), path.stat().st_mtime_ns)


def bundle_digest() -> str:
    """Return a short digest of the bundle, part of every pinned script URL."""
    return hashlib.sha256(bundle_text().encode()).hexdigest()[:12]


def script_render(*, config: dict[str, Any]) -> bytes:
    """Return the one-request script: the bundle, called with the site's configuration inlined."""
    data = json.dumps(config, ensure_ascii=False, separators=(",", ":"), sort_keys=True)
    header = f"/*! Assent banner · site {config['site']} · version {config['number']} */\n"
    # Only visitors under an opt-out or notice regulation get its layer and GPP, ahead of the banner.
    regulation = config.get("regulation") or {}
    regional = regulation.get("model", "opt_in") != "opt_in" or regulation.get("gpp_sections")
    before = bundle_text(REGIONAL_BUNDLE_PATH) if regional else ""
    # Placeholders for gated embeds, only where the site enables them: after the banner, which they drive.
    after = bundle_text(EMBEDS_BUNDLE_PATH) if config.get("embeds") else ""
    # The cookie tables, only where a purpose declares its cookies: after the banner, whose layer shows them.
    if any("declaration" in purpose for purpose in config["purposes"]):
        after += bundle_text(DECLARATION_BUNDLE_PATH)
    # The per-vendor toggles, only where a purpose offers them: last, as they wrap the declaration's hook.
    if any("vendor_choices" in purpose for purpose in config["purposes"]):
        after += bundle_text(VENDORS_BUNDLE_PATH)
    return f"{header}{before}(function(__assent_config__){{\n{bundle_text()}{after}}})({data});\n".encode()


def script_digest(body: bytes) -> str:
    """Return the digest that names a pinned script: the URL changes whenever its bytes would."""
    return hashlib.sha256(body).hexdigest()[:16]


def script_integrity(body: bytes) -> str:
    """Return the Subresource Integrity value of a script."""
    return "sha384-" + base64.b64encode(hashlib.sha384(body).digest()).decode()


def allowed_origins(*, key: str) -> frozenset[str]:
    """Return the origins that may call a site's public endpoints (cached briefly: checked on every request)."""
    cache_key = f"banner:origins:{key}"
    # The cache only spares the database a query: when it is down, ask the database (the record).
    try:
        origins = cache.get(cache_key)
    except CACHE_ERRORS:
        logger.warning("origins cache unreachable; reading the database", exc_info=True)
        origins = None
    if origins is None:
        site = Site.objects.filter(key=key).only("allowed_origins").first()
        origins = [o.rstrip("/").lower() for o in (site.allowed_origins if site else [])]
        # Logged above, or the cache went down in between: the next request asks the database again.
        with contextlib.suppress(*CACHE_ERRORS):
            cache.set(cache_key, origins, ORIGINS_CACHE_SECONDS)
    return frozenset(origins)
