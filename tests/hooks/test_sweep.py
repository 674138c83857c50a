"""The sweep: rows whose task is still queued are left alone, rows of a lost worker are settled, with a cap."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from consent.hooks import delivery as sending
from consent.hooks import outbox, services
from consent.hooks.models import Delivery
from consent.services import consent_record


@pytest.fixture
def queued(site, private_allowed):
    services.destination_create(site=site, url="http://127.0.0.1:9/hook", purposes=[])
    consent_record(site=site, external_id="v", choices={"analytics": True}, source="api", method="api", locale="en")
    return Delivery.objects.get()


def _lose_worker(delivery):
    """Claim a delivery as a worker would, then let its claim run out as if the worker had died."""
    assert sending._claim([delivery.pk], timezone.now())[1]
    Delivery.objects.filter(pk=delivery.pk).update(claimed_until=timezone.now() - timedelta(seconds=1))


def test_a_row_whose_task_is_still_queued_is_not_sent_again(queued):
    later = timezone.now() + outbox.SWEEP_GRACE + timedelta(seconds=1)
    assert outbox.due_ids(now=timezone.now() + timedelta(seconds=30)) == []
    assert outbox.due_ids(now=later) == [queued.pk]  # presumably lost: sent once more
    assert outbox.due_ids(now=later + timedelta(seconds=15)) == []  # the next sweep leaves that one be


def test_a_lost_workers_attempt_is_recorded_and_retried_after_its_backoff(queued):
    _lose_worker(queued)

    assert sending.delivery_release(queued.pk) == "retrying"

    queued.refresh_from_db()
    assert queued.status == "pending"
    assert queued.next_attempt_at > timezone.now()
    assert queued.attempt_rows.get().error == sending.INTERRUPTED


def test_a_delivery_that_keeps_losing_its_worker_fails_after_the_last_attempt(queued):
    Delivery.objects.filter(pk=queued.pk).update(attempts=len(sending.BACKOFF))
    _lose_worker(queued)

    assert sending.delivery_release(queued.pk) == "failed"

    queued.refresh_from_db()
    assert (queued.status, queued.attempts) == ("failed", len(sending.BACKOFF) + 1)


def test_a_live_claim_is_not_released(queued):
    assert sending._claim([queued.pk], timezone.now())[1]
    assert sending.delivery_release(queued.pk) == "not stale"


def test_a_claim_is_one_statement_that_reads_what_sending_needs(queued):
    with CaptureQueriesContext(connection) as queries:
        _, [claimed] = sending._claim([queued.pk], timezone.now())
    assert len(queries) == 1
    assert (claimed.url, claimed.body, claimed.attempts) == ("http://127.0.0.1:9/hook", queued.body, 1)
    assert sending._claim([queued.pk], timezone.now())[1] == []
