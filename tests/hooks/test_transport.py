"""A slow or huge receiver costs one bounded attempt: recorded as a failure, retried later, never holding a worker."""

import signal
import socket
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest
from celery.exceptions import SoftTimeLimitExceeded
from django.utils import timezone

from consent.hooks import delivery as sending
from consent.hooks import guard, services, signing, transport
from consent.hooks.models import Attempt, Delivery
from consent.services import consent_record
from tests.hooks.conftest import Worker, broker_purge, until
from tests.hooks.hostile import HostileReceiver
from tests.hooks.receiver import Receiver


@pytest.fixture
def hostile(request) -> Iterator[HostileReceiver]:
    running = HostileReceiver(request.param).start()
    try:
        yield running
    finally:
        running.stop()


def _queued(site, url):
    services.destination_create(site=site, url=url, purposes=[])
    consent_record(site=site, external_id="v", choices={"analytics": True}, source="api", method="api", locale="en")
    return Delivery.objects.get()


@pytest.mark.parametrize("hostile", ["trickle", "trickle-headers"], indirect=True)
def test_a_receiver_trickling_its_answer_is_cut_off_at_the_deadline_and_retried(
    site, private_allowed, settings, hostile
):
    settings.ASSENT_HOOKS_ATTEMPT_SECONDS = 2
    queued = _queued(site, hostile.url)

    assert sending.delivery_attempt(queued.pk) == "retrying"

    queued.refresh_from_db()
    attempt = queued.attempt_rows.get()
    assert attempt.error.startswith("timeout:")
    assert 1900 <= attempt.latency_ms < 4000
    assert queued.status == "pending"
    assert queued.next_attempt_at > timezone.now()


@pytest.mark.parametrize("hostile", ["flood"], indirect=True)
def test_a_receiver_streaming_an_endless_answer_is_cut_off_at_the_cap(site, private_allowed, hostile):
    queued = _queued(site, hostile.url)

    assert sending.delivery_attempt(queued.pk) == "retrying"

    attempt = queued.attempt_rows.get()
    assert attempt.error == f"answer too large: more than {transport.RESPONSE_CAP} bytes"
    assert attempt.status_code == 200
    assert attempt.latency_ms < 3000
    assert Delivery.objects.get(pk=queued.pk).status == "pending"


def test_a_worker_process_reuses_one_client_across_deliveries():
    assert transport.client() is transport.client()


def test_the_posting_threads_of_a_first_batch_share_one_client(monkeypatch):
    monkeypatch.setattr(transport, "_made", {})
    barrier = threading.Barrier(8)

    def first_use():
        barrier.wait()
        return transport.client()

    with ThreadPoolExecutor(8) as threads:
        clients = list(threads.map(lambda _: first_use(), range(8)))

    assert all(made is clients[0] for made in clients)


def test_a_name_that_takes_too_long_to_resolve_fails_the_attempt_at_its_deadline(
    site, private_allowed, monkeypatch, settings
):
    settings.ASSENT_HOOKS_ATTEMPT_SECONDS = 1
    slow = False

    def resolver(host, port, *args, **kwargs):
        # DNS is outside the system: quick when the destination is saved, then far slower than an attempt.
        if slow:
            time.sleep(4)
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("127.0.0.1", port))]

    monkeypatch.setattr(guard.socket, "getaddrinfo", resolver)
    queued = _queued(site, "http://hooks.example.com:9/hook").pk
    slow = True
    started = time.monotonic()
    assert sending.delivery_attempt(queued) == "retrying"

    assert time.monotonic() - started < 2.5
    attempt = Attempt.objects.get(delivery_id=queued)
    assert attempt.error.startswith("timeout: ConnectTimeout:")
    assert attempt.latency_ms < 2000


def test_attempts_still_running_when_the_soft_time_limit_strikes_are_recorded_as_timeouts(private_allowed):
    receivers = [Receiver(signing.secret_generate()).start() for _ in range(2)]
    for receiver in receivers:
        receiver.delay = 2.0
    requests = [transport.Request(url=r.url, headers={"webhook-id": "msg_x"}, body="{}") for r in receivers]

    def soft_limit(*_):
        raise SoftTimeLimitExceeded

    previous = signal.signal(signal.SIGALRM, soft_limit)
    signal.setitimer(signal.ITIMER_REAL, 0.5)
    try:
        started = time.monotonic()
        outcomes = transport.post_all(requests)
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
        for receiver in receivers:
            receiver.stop()

    assert time.monotonic() - started < 1.5
    assert [outcome.error for outcome in outcomes] == [transport.TIME_LIMIT_ERROR] * 2


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_a_worker_records_both_bad_receivers_as_failed_attempts_quickly(site, private_allowed, committed):
    trickle, flood = HostileReceiver("trickle").start(), HostileReceiver("flood").start()
    broker_purge()
    worker = Worker(ASSENT_HOOKS_ATTEMPT_SECONDS="2").start()
    try:
        for receiver in (trickle, flood):
            services.destination_create(site=site, url=receiver.url, purposes=[])
        consent_record(site=site, external_id="v", choices={"analytics": True}, source="api", method="api", locale="en")

        assert until(lambda: Attempt.objects.filter(number=1).count() == 2, timeout=30)
    finally:
        worker.stop()
        trickle.stop()
        flood.stop()
    errors = sorted(Attempt.objects.filter(number=1).values_list("error", flat=True))
    assert errors[0].startswith("answer too large")
    assert errors[1].startswith("timeout:")
    assert all(latency < 4000 for latency in Attempt.objects.values_list("latency_ms", flat=True))
