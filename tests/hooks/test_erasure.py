"""After erasure no stored message, attempt or sequence leads from the person's id to the ledger's rows."""

import json

import pytest

from consent.accounts.services import subject_erase
from consent.hooks import delivery as sending
from consent.hooks import outbox, services
from consent.hooks.errors import DestinationInputError
from consent.hooks.models import Attempt, Delivery, SubjectSequence
from consent.models import Subject
from consent.services import consent_record
from ledger import selectors as ledger_selectors


@pytest.fixture
def destination(site, receiver, private_allowed):
    created, secret = services.destination_create(site=site, url=receiver.url, purposes=[])
    receiver.secret = secret
    return created


def _record(site, external_id, **choices):
    # The API speaks for the customer's users: "user-1" lives in the user namespace, which erasure defaults to.
    kind = Subject.Kind.VISITOR if external_id.startswith("visitor") else Subject.Kind.USER
    _, receipt = consent_record(
        site=site, external_id=external_id, choices=choices, source="api", method="api", locale="en", subject_kind=kind
    )
    return receipt, Delivery.objects.order_by("-id").first()


def _traces(site, subject):
    """Return what could lead to a subject's ledger rows: its ids, its ledger key and its receipts."""
    events = ledger_selectors.subject_events(site=site.key, subject=subject.pseudonym)
    return {subject.external_id, subject.pseudonym, subject.ledger_key, *(event.receipt_id for event in events)}


def _stored_text():
    """Return every text the webhook tables keep."""
    texts = []
    for row in Delivery.objects.values("body", "subject_key", "last_error", "message_id"):
        texts.extend(row.values())
    texts.extend(Attempt.objects.values_list("response_body", flat=True))
    texts.extend(Attempt.objects.values_list("error", flat=True))
    texts.extend(SubjectSequence.objects.values_list("subject_key", flat=True))
    return "\n".join(texts)


def test_after_erasure_no_message_or_attempt_leads_to_the_person(site, destination, receiver):
    receiver.echo = True  # its answers repeat the message, so attempts would keep it too
    _, delivered = _record(site, "user-1", analytics=True)
    assert sending.delivery_attempt(delivered.pk) == "delivered"
    receiver.status = 503
    _, retrying = _record(site, "user-1", analytics=False)
    assert sending.delivery_attempt(retrying.pk) == "retrying"
    _, pending = _record(site, "user-1", marketing=True)
    assert "user-1" in Attempt.objects.get(delivery=retrying).response_body
    traces = _traces(site, Subject.objects.get(site=site, external_id="user-1", kind=Subject.Kind.USER))

    subject_erase(site=site, external_id="user-1", source="api")

    erased = Delivery.objects.get(event_type="subject.erased")
    assert json.loads(erased.body)["data"]["subject"] == "user-1"  # the id to erase downstream, until delivered
    assert {d.status for d in Delivery.objects.filter(pk__in=[retrying.pk, pending.pk])} == {"failed"}
    receiver.status = 200
    assert sending.delivery_attempt(erased.pk) == "delivered"
    assert receiver.latest["user-1"][0] == json.loads(receiver.requests[-1]["body"])["data"]["sequence"]
    stored = _stored_text()
    assert [trace for trace in traces if trace in stored] == []


def test_a_delivered_message_keeps_only_its_type_site_sequence_and_receipt(site, destination):
    receipt, queued = _record(site, "visitor-1", analytics=True)
    assert sending.delivery_attempt(queued.pk) == "delivered"
    queued.refresh_from_db()
    assert json.loads(queued.body) == {
        "type": "consent.updated",
        "redacted": True,
        "data": {"site": site.key, "sequence": 1, "receipt": receipt.id},
    }
    assert queued.redacted_at is not None


def test_a_redacted_message_cannot_be_replayed(site, destination):
    _, queued = _record(site, "visitor-1", analytics=True)
    sending.delivery_attempt(queued.pk)
    queued.refresh_from_db()
    with pytest.raises(DestinationInputError) as caught:
        services.delivery_replay(delivery=queued)
    assert caught.value.field == "delivery"
    Delivery.objects.filter(pk=queued.pk).update(status="failed")
    assert services.deliveries_replay_failed(destination=destination) == 0


def test_the_receivers_answers_are_forgotten_once_delivered(site, destination, receiver):
    receiver.echo = True
    receiver.status = 503
    _, queued = _record(site, "visitor-1", analytics=True)
    sending.delivery_attempt(queued.pk)
    Delivery.objects.filter(pk=queued.pk).update(next_attempt_at=queued.created_at)
    receiver.status = 200
    assert sending.delivery_attempt(queued.pk) == "delivered"
    assert list(Attempt.objects.filter(delivery=queued).values_list("response_body", flat=True)) == ["", ""]


def test_a_person_who_returns_after_erasure_continues_the_sequence(site, destination, receiver):
    for granted in (True, False):
        _, queued = _record(site, "user-1", analytics=granted)
        sending.delivery_attempt(queued.pk)
    subject_erase(site=site, external_id="user-1", source="api")
    sending.delivery_attempt(Delivery.objects.get(event_type="subject.erased").pk)

    _, returned = _record(site, "user-1", analytics=True)

    assert returned.sequence == 4
    assert sending.delivery_attempt(returned.pk) == "delivered"
    assert receiver.latest["user-1"][0] == 4  # a receiver that keeps the highest sequence takes it


def test_the_sequence_is_filed_under_neither_the_id_nor_the_ledger_key(site, destination):
    _record(site, "user-1", analytics=True)
    subject = Subject.objects.get(site=site, external_id="user-1", kind=Subject.Kind.USER)
    [row] = SubjectSequence.objects.all()
    assert row.subject_key == outbox.subject_sequence_key(site=site, external_id="user-1")
    assert row.subject_key not in {subject.external_id, subject.pseudonym, subject.ledger_key}
