"""Two devices of one user identifying at the same moment, on PostgreSQL with real concurrent transactions."""

import threading
import uuid

import pytest
from django.db import connection, connections

from consent.accounts import services
from consent.models import Subject
from consent.services import consent_record
from tests import factories
from tests.accounts.conftest import identify_token, vid
from tests.banner.ledger_reads import state_of


@pytest.mark.postgres
def test_two_devices_identifying_at_once_both_link_and_the_newer_choice_wins(django_db_setup, django_db_blocker):
    # Committed data, not a test transaction: the threads' connections must see it. The ledger refuses
    # DELETE, so everything here is made under fresh names and stays for the rest of the run.
    tag = uuid.uuid4().hex[:10]
    with django_db_blocker.unblock():
        site = factories.published_site(
            organization=factories.OrganizationFactory(name=f"Race {tag}"), key=f"race-{tag}"
        )
        version = site.banner_versions.first().content_hash
        for device, granted in ((vid("laptop"), True), (vid("phone"), False)):
            consent_record(
                site=site,
                external_id=vid(f"{device}-{tag}"),
                choices={"marketing": granted},
                source="banner",
                method="custom",
                locale="en",
                banner_version=version,
            )
        user = f"user-{tag}"
        token = identify_token(site, user)
        start = threading.Barrier(2)
        errors: list[BaseException] = []

        def identify(device: str) -> None:
            try:
                start.wait()
                services.subject_identify(site=site, visitor_id=vid(f"{device}-{tag}"), user_id=user, token=token)
            except BaseException as exc:  # reported below, in the test's own thread
                errors.append(exc)
            finally:
                connection.close()

        threads = [threading.Thread(target=identify, args=(device,)) for device in (vid("laptop"), vid("phone"))]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

        assert errors == []
        linked = Subject.objects.filter(site=site, linked_to__external_id=user).count()
        assert linked == 2
        assert state_of(site, user)["marketing"] is False
        connections.close_all()
