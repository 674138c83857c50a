"""Reads of the webhook side: destinations, their deliveries and the attempts of each."""

from django.db.models import QuerySet

from consent.hooks.models import Attempt, Delivery, Destination
from consent.models import Organization, Site


def destinations_of(*, site: Site | None = None, organization: Organization | None = None) -> QuerySet[Destination]:
    """Return the destinations of a site, or of every site of an organization."""
    rows = Destination.objects.select_related("site")
    if site is not None:
        rows = rows.filter(site=site)
    if organization is not None:
        rows = rows.filter(site__organization=organization)
    return rows.order_by("id")


def destination_get(*, organization: Organization, destination_id: int) -> Destination | None:
    """Return one destination of an organization's sites, or None (another tenant's id reads as unknown)."""
    return destinations_of(organization=organization).filter(pk=destination_id).first()


def deliveries_of(*, destination: Destination, status: str | None = None) -> QuerySet[Delivery]:
    """Return a destination's deliveries, newest first, optionally of one status."""
    rows = Delivery.objects.filter(destination=destination)
    if status:
        rows = rows.filter(status=status)
    return rows.order_by("-id")


def delivery_get(*, organization: Organization, delivery_id: int) -> Delivery | None:
    """Return one delivery of an organization's destinations, or None."""
    return (
        Delivery.objects.select_related("destination__site")
        .filter(pk=delivery_id, destination__site__organization=organization)
        .first()
    )


def attempts_of(*, delivery: Delivery) -> QuerySet[Attempt]:
    """Return a delivery's attempts, first first."""
    return Attempt.objects.filter(delivery=delivery).order_by("number")
