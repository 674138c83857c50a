"""Batches: the deliveries of one change travel in one message, are sent side by side and recorded together."""

import importlib
import time

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from standardwebhooks.webhooks import Webhook

from consent.celery import app
from consent.hooks import delivery as sending
from consent.hooks import outbox, services, transport
from consent.hooks.models import Attempt, Delivery
from consent.services import consent_record
from tests.hooks.conftest import broker_purge
from tests.hooks.receiver import Receiver


@pytest.fixture
def receivers(private_allowed):
    running = [Receiver().start() for _ in range(2)]
    try:
        yield running
    finally:
        for receiver in running:
            receiver.stop()


def _destinations(site, receivers):
    for receiver in receivers:
        _, receiver.secret = services.destination_create(site=site, url=receiver.url, purposes=[])


def _record(site, external_id="visitor-1"):
    consent_record(
        site=site, external_id=external_id, choices={"analytics": True}, source="api", method="api", locale="en"
    )
    return list(Delivery.objects.order_by("id").values_list("id", flat=True))


def _queued_messages() -> list[tuple[str, list]]:
    """Return (task name, args) of every message waiting in the hooks queue, taking them off it."""
    found = []
    with app.connection_for_read() as conn:
        queue = conn.SimpleQueue("hooks", no_ack=True)
        while True:
            try:
                message = queue.get(timeout=1)
            except queue.Empty:
                break
            found.append((message.headers["task"], message.decode()[0]))
        queue.close()
    return found


def test_a_change_for_two_destinations_rings_the_broker_once_for_both(
    site, receivers, django_capture_on_commit_callbacks
):
    _destinations(site, receivers)
    broker_purge()
    with django_capture_on_commit_callbacks(execute=True):
        ids = _record(site)

    assert len(ids) == 2
    assert _queued_messages() == [(outbox.SEND_TASK, [ids])]


def test_a_backlog_is_queued_in_batches_of_at_most_the_batch_size():
    broker_purge()
    outbox.enqueue(range(1, outbox.BATCH_MAX * 2 + 2))

    # In the order they were made: the development broker (files) reads messages queued within the
    # same millisecond in no set order, and the batches do not depend on one another.
    batches = sorted(args[0] for _, args in _queued_messages())
    size = outbox.BATCH_MAX
    assert batches == [list(range(1, size + 1)), list(range(size + 1, 2 * size + 1)), [2 * size + 1]]


def test_both_tasks_go_to_the_hooks_queue_so_messages_queued_before_batches_still_run():
    importlib.import_module("consent.hooks.tasks")
    for name in (outbox.SEND_TASK, "consent.hooks.tasks.delivery_send"):
        assert name in app.tasks
        assert app.amqp.router.route({}, name)["queue"].name == "hooks"


def test_a_batchs_attempts_run_side_by_side(site, receivers):
    _destinations(site, receivers)
    ids = _record(site)
    for receiver in receivers:
        receiver.delay = 1.0

    started = time.monotonic()
    assert sending.deliveries_attempt(ids) == dict.fromkeys(ids, "delivered")

    assert time.monotonic() - started < 1.9  # one slow answer's time, not two
    for receiver in receivers:
        assert len(receiver.ids) == 1
        assert receiver.rejected == 0


def test_every_delivery_of_a_batch_is_signed_for_its_own_destination(site, receivers):
    _destinations(site, receivers)
    ids = _record(site)

    assert sending.deliveries_attempt(ids) == dict.fromkeys(ids, "delivered")

    for receiver in receivers:
        [request] = receiver.requests
        Webhook(receiver.secret).verify(request["body"], request["headers"])
    assert {r.requests[0]["headers"]["webhook-id"] for r in receivers} == set(
        Delivery.objects.values_list("message_id", flat=True)
    )


def test_a_batch_records_each_delivery_redacted_with_its_attempt(site, receivers):
    _destinations(site, receivers)
    ids = _record(site)

    sending.deliveries_attempt(ids)

    for delivery in Delivery.objects.filter(pk__in=ids):
        assert delivery.status == "delivered"
        assert delivery.redacted_at is not None
        assert "visitor-1" not in delivery.body
        assert (delivery.claim, delivery.claimed_until, delivery.last_status_code) == ("", None, 200)
        [attempt] = delivery.attempt_rows.all()
        assert (attempt.number, attempt.status_code, attempt.error, attempt.response_body) == (1, 200, "", "")


@pytest.mark.postgres
def test_a_delivered_batch_costs_two_statements_on_postgresql(site, receivers):
    _destinations(site, receivers)
    ids = _record(site)

    with CaptureQueriesContext(connection) as queries:
        assert sending.deliveries_attempt(ids) == dict.fromkeys(ids, "delivered")

    # One claims the batch, one records it (marks, redacts, adds attempts); no BEGIN, no COMMIT.
    assert len(queries) == 2
    assert Attempt.objects.filter(delivery_id__in=ids).count() == 2


def test_a_row_whose_claim_was_taken_over_is_left_alone_and_the_rest_recorded(site, receivers):
    _destinations(site, receivers)
    first, second = _record(site)
    now = timezone.now()
    claim, claimed = sending._claim([first, second], now)
    # The sweep handed the second row to another worker meanwhile.
    Delivery.objects.filter(pk=second).update(claim="someone-else")
    delivered = transport.Outcome(200, "", "", 3)

    results = sending._record_all([(row, delivered) for row in claimed], claim, now)

    assert results == {first: "delivered", second: "claim lost"}
    assert Delivery.objects.get(pk=first).status == "delivered"
    assert Delivery.objects.get(pk=second).status == "sending"
    assert list(Attempt.objects.values_list("delivery_id", flat=True)) == [first]
