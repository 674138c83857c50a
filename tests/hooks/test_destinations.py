"""Destinations: created with a secret shown once, validated, rotated, disabled; tenant-scoped reads."""

import pytest

from consent.hooks import selectors, services
from consent.hooks.errors import DestinationInputError
from consent.hooks.models import Delivery, Destination


def test_it_creates_a_destination_with_a_whsec_secret(site, private_allowed):
    destination, secret = services.destination_create(site=site, url="http://127.0.0.1:9/hook", purposes=["analytics"])
    assert secret.startswith("whsec_")
    assert len(secret) >= len("whsec_") + 32
    assert destination.secret == secret
    assert destination.event_types == ["consent.expired", "consent.updated", "subject.erased"]


def test_it_rejects_an_unknown_purpose(site, private_allowed):
    with pytest.raises(DestinationInputError) as caught:
        services.destination_create(site=site, url="http://127.0.0.1:9/hook", purposes=["nonsense"])
    assert caught.value.field == "purposes"
    assert not Destination.objects.exists()


def test_it_rejects_an_unknown_event_type(site, private_allowed):
    with pytest.raises(DestinationInputError) as caught:
        services.destination_create(site=site, url="http://127.0.0.1:9/hook", purposes=[], event_types=["x.y"])
    assert caught.value.field == "event_types"


def test_it_rotates_the_secret_and_keeps_the_old_one_for_a_while(site, private_allowed):
    destination, old = services.destination_create(site=site, url="http://127.0.0.1:9/hook", purposes=[])
    new = services.destination_secret_rotate(destination=destination)
    destination.refresh_from_db()
    assert new != old
    assert destination.secret == new
    assert destination.previous_secret == old
    assert destination.previous_secret_expires_at is not None


def test_it_disables_and_enables_a_destination(site, private_allowed):
    destination, _ = services.destination_create(site=site, url="http://127.0.0.1:9/hook", purposes=[])
    services.destination_disable(destination=destination)
    assert not Destination.objects.get(pk=destination.pk).active
    services.destination_update(destination=destination, active=True)
    assert Destination.objects.get(pk=destination.pk).active


def test_it_deletes_a_destination_with_its_deliveries(site, private_allowed):
    destination, _ = services.destination_create(site=site, url="http://127.0.0.1:9/hook", purposes=[])
    services.destination_delete(destination=destination)
    assert not Destination.objects.exists()
    assert not Delivery.objects.exists()


def test_the_outsider_cannot_read_another_organizations_destination(site, outsider_site, private_allowed):
    destination, _ = services.destination_create(site=site, url="http://127.0.0.1:9/hook", purposes=[])
    assert selectors.destination_get(organization=site.organization, destination_id=destination.pk) == destination
    assert selectors.destination_get(organization=outsider_site.organization, destination_id=destination.pk) is None
