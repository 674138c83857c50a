"""End to end with real Celery worker processes, the real broker and real HTTP receivers: nothing is lost."""

import random
import time

import pytest
from django.db.models import Count

from consent.hooks import outbox, services
from consent.hooks.models import Attempt, Delivery
from consent.hooks.tasks import delivery_sweep
from consent.models import Subject
from consent.services import consent_record
from ledger import selectors as ledger_selectors
from tests.hooks.conftest import BROKER_IS_REDIS, Worker, broker_purge, until
from tests.hooks.receiver import Receiver

# The embedded filesystem broker hands a worker about 20 messages a second (it polls every 0.1 s and a
# worker holds one unacknowledged message per process), so the full run is on Redis only.
CHOICES = 1000 if BROKER_IS_REDIS else 120

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def _destination(site, receiver, purposes=()):
    _, secret = services.destination_create(site=site, url=receiver.url, purposes=list(purposes))
    receiver.secret = secret


def _record(site, external_id, **choices):
    consent_record(site=site, external_id=external_id, choices=choices, source="api", method="api", locale="en")


def _delivered():
    return Delivery.objects.filter(status=Delivery.Status.DELIVERED).count()


def _sweep_loop(total, timeout):
    """Sweep as beat would, whenever progress stalls, until every delivery is delivered."""
    deadline = time.monotonic() + timeout
    last = -1
    while time.monotonic() < deadline:
        done = _delivered()
        if done >= total:
            return True
        if done == last:
            delivery_sweep()
        last = done
        time.sleep(1.5)
    return _delivered() >= total


def test_every_delivery_through_the_worker_verifies(site, private_allowed, worker, receiver):
    _destination(site, receiver)
    for number in range(20):
        _record(site, f"visitor-{number}", analytics=True)

    assert receiver.wait_for(20, timeout=60)
    assert until(lambda: _delivered() == 20, timeout=10)
    assert receiver.rejected == 0
    assert all(count == 1 for count in receiver.ids.values())


def test_a_receiver_that_was_down_gets_everything_and_backoff_is_observed(site, private_allowed, worker, receiver):
    _destination(site, receiver)
    receiver.status = 503
    for number in range(5):
        _record(site, f"visitor-{number}", analytics=True)

    assert until(lambda: Attempt.objects.filter(number=2).count() == 5, timeout=60)
    receiver.status = 200

    assert receiver.wait_for(5, timeout=60)
    assert until(lambda: _delivered() == 5, timeout=10)
    for delivery in Delivery.objects.all():
        times = list(delivery.attempt_rows.order_by("number").values_list("started_at", flat=True))
        # The first wait is about 5 s, the second about 5 minutes (shortened a hundredfold by the worker's setting).
        assert (times[1] - times[0]).total_seconds() >= 0.04
        if len(times) > 2:
            assert (times[2] - times[1]).total_seconds() >= 2.4


def test_a_crash_between_the_commit_and_the_enqueue_is_healed_by_the_sweep(
    site, private_allowed, worker, receiver, monkeypatch, settings
):
    _destination(site, receiver)
    # The process dies after the commit, before on_commit rings the broker: the message never leaves.
    with monkeypatch.context() as patch:
        patch.setattr(outbox, "enqueue", lambda ids, countdown=None: None)
        _record(site, "visitor-1", analytics=True)
    assert not receiver.wait_for(1, timeout=1)

    settings.ASSENT_HOOKS_BACKOFF_DIVISOR = 100  # the sweep's grace: 0.6 s instead of a minute
    time.sleep(0.7)
    assert delivery_sweep() == 1
    assert receiver.wait_for(1, timeout=15)
    assert until(lambda: _delivered() == 1, timeout=5)


def _final_states_match(site, receivers):
    for subject in Subject.objects.filter(site=site):
        state = ledger_selectors.subject_state(site=site.key, subject=subject.pseudonym)
        expected = {purpose: row.granted for purpose, row in state.items()}
        for receiver in receivers:
            _, purposes = receiver.latest[subject.external_id]
            assert {p: v["granted"] for p, v in purposes.items()} == expected


def test_killing_the_worker_mid_run_loses_nothing(site, private_allowed, committed, settings):
    settings.ASSENT_HOOKS_BACKOFF_DIVISOR = 100
    broker_purge()
    receivers = [Receiver().start() for _ in range(3)]
    worker = Worker().start()
    try:
        for receiver in receivers:
            _destination(site, receiver)
        rng = random.Random(5)
        for number in range(CHOICES):
            if number == CHOICES * 2 // 5:
                worker.kill()
            if number == CHOICES * 3 // 5:
                worker = Worker().start()
            _record(site, f"visitor-{rng.randrange(150)}", analytics=rng.random() < 0.5, marketing=rng.random() < 0.5)
        total = Delivery.objects.count()
        assert total == 3 * Delivery.objects.values("subject_key", "sequence").distinct().count()

        assert _sweep_loop(total, timeout=60), f"{_delivered()} of {total} delivered"

        ids = set(Delivery.objects.values_list("message_id", flat=True))
        seen = set().union(*(receiver.ids for receiver in receivers))
        assert seen == ids
        _final_states_match(site, receivers)
    finally:
        worker.stop()
        for receiver in receivers:
            receiver.stop()


@pytest.mark.redis
def test_flushing_the_broker_mid_run_loses_nothing(site, private_allowed, worker, receiver, settings):
    import redis

    settings.ASSENT_HOOKS_BACKOFF_DIVISOR = 100
    _destination(site, receiver)
    broker = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    for number in range(150):
        if number == 50:
            broker.flushdb()
        _record(site, f"visitor-{number % 50}", analytics=(number // 50) % 2 == 0)  # every round flips
    broker.flushdb()

    assert _sweep_loop(150, timeout=30), list(Delivery.objects.values_list("status").annotate(n=Count("id")))
    _final_states_match(site, [receiver])
    assert BROKER_IS_REDIS
    assert Delivery.objects.values("message_id").annotate(n=Count("id")).filter(n__gt=1).count() == 0
