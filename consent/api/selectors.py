"""Reads of the API: which site a key may see, and the subjects it asks about."""

from django.db.models import Exists, OuterRef

from consent.api.models import ApiKey
from consent.models import Site, Subject


def site_for_key(*, api_key: ApiKey, site_key: str) -> Site | None:
    """Return the site when the key's organization owns it and the key is not limited away from it."""
    through = ApiKey.sites.through.objects.filter(apikey_id=api_key.pk)
    site = (
        Site.objects.filter(key=site_key, organization_id=api_key.organization_id)
        .annotate(key_limited=Exists(through), key_allowed=Exists(through.filter(site_id=OuterRef("pk"))))
        .first()
    )
    if site is None or (site.key_limited and not site.key_allowed):
        return None
    return site


def subject_find(*, site: Site, external_id: str) -> Subject | None:
    """Return the subject a customer's id names on site, following a visitor's link to its user."""
    subject = Subject.objects.select_related("linked_to").filter(site=site, external_id=external_id).first()
    if subject is not None and subject.linked_to is not None:
        return subject.linked_to
    return subject


def external_ids_by_ledger_key(*, site: Site, ledger_keys: list[str]) -> dict[str, str]:
    """Map the ledger's subject keys back to the ids the customer knows (erased subjects drop out)."""
    rows = Subject.objects.filter(site=site, ledger_key__in=ledger_keys).values_list("ledger_key", "external_id")
    return dict(rows)
