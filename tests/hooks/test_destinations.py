"""Destinations: created with a secret shown once, validated, rotated, disabled; tenant-scoped reads."""

import pytest
from django.utils import timezone

from consent.hooks import delivery as sending
from consent.hooks import selectors, services
from consent.hooks.errors import DestinationInputError
from consent.hooks.models import Delivery, Destination
from consent.services import consent_record


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
    [retired] = destination.retired_secrets
    assert retired["secret"] == old


def test_a_second_rotation_within_the_grace_keeps_the_first_secret_signing(site, private_allowed):
    destination, first = services.destination_create(site=site, url="http://127.0.0.1:9/hook", purposes=[])
    second = services.destination_secret_rotate(destination=destination)
    third = services.destination_secret_rotate(destination=destination)
    consent_record(site=site, external_id="v", choices={"analytics": True}, source="api", method="api", locale="en")

    _, [claimed] = sending._claim([Delivery.objects.get().pk], timezone.now())

    assert claimed.secrets == [third, first, second]


def test_a_retired_secret_stops_signing_when_its_grace_ends(site, private_allowed):
    destination, _ = services.destination_create(site=site, url="http://127.0.0.1:9/hook", purposes=[])
    current = services.destination_secret_rotate(destination=destination)
    consent_record(site=site, external_id="v", choices={"analytics": True}, source="api", method="api", locale="en")

    _, [claimed] = sending._claim([Delivery.objects.get().pk], timezone.now() + services.SECRET_GRACE)

    assert claimed.secrets == [current]


def test_rotating_again_and_again_is_refused_rather_than_dropping_a_secret(site, private_allowed):
    destination, _ = services.destination_create(site=site, url="http://127.0.0.1:9/hook", purposes=[])
    for _ in range(services.RETIRED_MAX):
        services.destination_secret_rotate(destination=destination)
    with pytest.raises(DestinationInputError) as caught:
        services.destination_secret_rotate(destination=destination)
    assert caught.value.field == "destination"
    assert len(Destination.objects.get(pk=destination.pk).retired_secrets) == services.RETIRED_MAX


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
