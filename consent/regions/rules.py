"""What a banner choice may claim under the regulation it was made under."""

from collections.abc import Mapping

from consent.models import Site
from consent.services import ConsentInputError, version_terms

DEFAULT_METHOD = "default"
DEFAULTED = "defaulted"


def choice_terms(
    *, site: Site, banner_version: str, regulation: str, method: str, choices: Mapping[str, bool]
) -> tuple[str, str | None]:
    """Return the jurisdiction and kind a banner choice is recorded with, or refuse what it may not claim.

    The regulation must be one the version it was made under published. A default ("on by default
    under an opt-out or notice law") may only grant, only under such a law, and never a purpose the
    law keeps opt-in; it is recorded as kind "defaulted", not as an opt-in.
    """
    # The same cached read of the version that consent_record checks the choice against.
    regulations = version_terms(site=site, banner_version=banner_version).regulations
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
