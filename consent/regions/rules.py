"""What a banner choice may claim under the regulation it was made under."""

import functools
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

from consent.models import BannerVersion, Site
from consent.services import ConsentInputError

DEFAULT_METHOD = "default"
DEFAULTED = "defaulted"


@functools.lru_cache(maxsize=1024)
def _version_regulations(site_id: int, content_hash: str) -> Mapping[str, Mapping[str, Any]]:
    """Return a version's regulations by slug; cached, since a version never changes (a miss raises, uncached)."""
    version = BannerVersion.objects.only("content").get(site_id=site_id, content_hash=content_hash)
    return MappingProxyType({r["slug"]: r for r in version.content.get("regulations", [])})


def choice_terms(
    *, site: Site, banner_version: str, regulation: str, method: str, choices: Mapping[str, bool]
) -> tuple[str, str | None]:
    """Return the jurisdiction and kind a banner choice is recorded with, or refuse what it may not claim.

    The regulation must be one the version it was made under published. A default ("on by default
    under an opt-out or notice law") may only grant, only under such a law, and never a purpose the
    law keeps opt-in; it is recorded as kind "defaulted", not as an opt-in.
    """
    try:
        regulations = _version_regulations(site.pk, banner_version)
    except BannerVersion.DoesNotExist:
        raise ConsentInputError("banner_version", "is not a published version of this site") from None
    if regulation and regulation not in regulations:
        raise ConsentInputError("regulation", "is not a regulation of this banner version")
    if method != DEFAULT_METHOD:
        return regulation, None
    rule = regulations.get(regulation)
    if rule is None or rule["model"] == "opt_in":
        raise ConsentInputError("method", "default applies only under an opt-out or notice regulation")
    if not all(choices.values()):
        raise ConsentInputError("choices", "a default only grants")
    if kept := sorted(set(choices) & set(rule["opt_in_purposes"])):
        raise ConsentInputError("choices", f"{', '.join(kept)} need a prior yes under {regulation}")
    return regulation, DEFAULTED
