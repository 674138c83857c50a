"""Appending choices: events, receipts, the projection, idempotency, evidence and bad input."""

import base64
import hashlib
from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from ledger import selectors, services
from ledger.canonical import canonical_json
from ledger.errors import (
    EmptyDecisions,
    FutureTimestamp,
    IdempotencyConflict,
    InvalidSubject,
    LedgerInputError,
    UnknownPurpose,
    UnknownTerm,
)
from ledger.keys import public_keys
from ledger.models import Event, Evidence, PendingLeaf, State
from ledger.notes import public_from_pem, receipt_check
from tests.ledger.conftest import SITE, Append


def services_state(subject: str) -> dict[str, bool]:
    """Return a subject's current decisions on the test site, from the projection."""
    return {purpose: row.granted for purpose, row in selectors.subject_state(site=SITE, subject=subject).items()}


def test_it_writes_one_event_per_purpose_sharing_one_receipt(append: Append) -> None:
    receipt = append(decisions={"necessary": True, "analytics": False, "marketing": True})
    events = list(Event.objects.order_by("id"))
    assert [str(event.id) for event in events] == receipt.event_ids
    assert {str(event.receipt_id) for event in events} == {receipt.id}
    assert [event.purpose for event in events] == ["analytics", "marketing", "necessary"]
    assert receipt.state == {"necessary": True, "analytics": False, "marketing": True}


def test_it_stores_a_keyed_hash_of_the_subject_never_the_subject(append: Append) -> None:
    append(subject="person-42")
    event = Event.objects.get(purpose="analytics")
    assert "person-42" not in event.subject_key
    assert event.subject_key == services.subject_key(site=SITE, subject="person-42")
    assert len(event.subject_key) == 64


def test_the_receipt_is_signed_and_its_leaf_hashes_commit_to_the_events(append: Append) -> None:
    receipt = append()
    key = public_from_pem(public_keys()[0].pem)
    assert receipt_check(receipt.text(), receipt.signature, key)
    assert receipt.key_id == public_keys()[0].key_id
    pending = {str(row.event_id): bytes(row.leaf_hash).hex() for row in PendingLeaf.objects.all()}
    assert dict(zip(receipt.event_ids, receipt.leaf_hashes, strict=True)) == pending
    assert receipt.as_dict()["signature"] == receipt.signature


def test_a_tampered_receipt_does_not_verify(append: Append) -> None:
    receipt = append()
    key = public_from_pem(public_keys()[0].pem)
    forged = receipt.text().replace(receipt.leaf_hashes[0], "0" * 64)
    assert not receipt_check(forged, receipt.signature, key)
    assert not receipt_check(receipt.text(), base64.b64encode(b"x" * 64).decode(), key)


def test_event_ids_are_time_ordered(append: Append) -> None:
    first = append(subject="a")
    second = append(subject="b")
    assert max(first.event_ids) < min(second.event_ids)
    assert all(event_id[14] == "7" for event_id in first.event_ids)


def test_it_derives_withdrawn_only_when_a_grant_is_taken_back(append: Append) -> None:
    append(decisions={"analytics": True})
    receipt = append(decisions={"analytics": False, "marketing": False})
    kinds = dict(Event.objects.filter(receipt_id=receipt.id).values_list("purpose", "kind"))
    assert kinds == {"analytics": "withdrawn", "marketing": "opted_out"}
    assert receipt.changed == ["analytics", "marketing"]


def test_the_projection_moves_since_only_when_the_decision_changes(append: Append) -> None:
    first = append(decisions={"analytics": True})
    second = append(decisions={"analytics": True})
    state = selectors.subject_state(site=SITE, subject="visitor-1")["analytics"]
    assert state.since == first.recorded_at
    assert state.event_id == second.event_ids[0]
    assert state.expires_at == second.recorded_at + timedelta(days=180)
    assert second.changed == []


def test_a_denied_purpose_has_no_expiry(append: Append) -> None:
    append(decisions={"analytics": False})
    assert selectors.subject_state(site=SITE, subject="visitor-1")["analytics"].expires_at is None


def test_the_receipt_state_is_the_subjects_whole_state(append: Append) -> None:
    append(decisions={"analytics": True, "marketing": True})
    receipt = append(decisions={"marketing": False})
    assert receipt.state == {"analytics": True, "marketing": False}


def test_the_same_request_under_the_same_key_returns_the_first_receipt_and_writes_nothing(append: Append) -> None:
    first = append(idempotency_key="k-1", decisions={"analytics": True, "marketing": False})
    count = Event.objects.count()
    again = append(idempotency_key="k-1", decisions={"marketing": False, "analytics": True})
    assert Event.objects.count() == count
    assert again.replayed
    assert not first.replayed
    assert (again.id, again.event_ids, again.leaf_hashes, again.signature) == (
        first.id,
        first.event_ids,
        first.leaf_hashes,
        first.signature,
    )
    assert again.state == first.state
    assert again.changed == first.changed


def test_a_different_request_under_a_used_key_is_refused_and_writes_nothing(append: Append) -> None:
    append(idempotency_key="k-1", decisions={"analytics": True})
    count = Event.objects.count()
    with pytest.raises(IdempotencyConflict) as refused:
        append(idempotency_key="k-1", decisions={"analytics": False})
    assert refused.value.field == "idempotency_key"
    assert isinstance(refused.value, LedgerInputError)
    with pytest.raises(IdempotencyConflict):
        append(idempotency_key="k-1", decisions={"analytics": True}, method="accept_all")
    assert Event.objects.count() == count
    assert services_state("visitor-1") == {"analytics": True}


def test_an_idempotency_key_is_scoped_to_its_site(append: Append) -> None:
    append(idempotency_key="k-1")
    other = append(idempotency_key="k-1", site="other")
    assert not other.replayed


def test_an_idempotency_key_is_scoped_to_its_subject(append: Append) -> None:
    first = append(subject="visitor-1", idempotency_key="crm-7781", decisions={"analytics": True})
    other = append(subject="user-42", idempotency_key="crm-7781", decisions={"analytics": False})
    assert not other.replayed
    assert other.id != first.id
    assert services_state("user-42") == {"analytics": False}


def test_an_idempotency_key_is_scoped_to_its_channel(append: Append) -> None:
    first = append(idempotency_key="crm-7781", channel="public", decisions={"analytics": True})
    other = append(idempotency_key="crm-7781", channel="api", decisions={"analytics": False})
    assert not other.replayed
    assert other.id != first.id
    assert services_state("visitor-1")["analytics"] is False


def test_a_visitor_key_shaped_like_an_api_key_does_not_swallow_a_later_api_withdrawal(append: Append) -> None:
    # Callers used to prefix API keys with "api:" in one key space shared with the public endpoint.
    append(subject="visitor-9", idempotency_key="api:crm-7781", channel="public", decisions={"marketing": True})
    append(subject="user-42", decisions={"marketing": True})
    withdrawal = append(subject="user-42", idempotency_key="crm-7781", channel="api", decisions={"marketing": False})
    assert not withdrawal.replayed
    assert services_state("user-42") == {"marketing": False}


def test_a_channel_must_be_a_short_lowercase_word(append: Append) -> None:
    with pytest.raises(LedgerInputError) as refused:
        append(idempotency_key="k-1", channel="Public API")
    assert refused.value.field == "channel"
    assert not Event.objects.exists()


def test_evidence_lives_apart_and_the_events_commit_to_its_salted_hash(append: Append) -> None:
    evidence = {"ip": "192.0.2.0", "user_agent": "Firefox", "sec_gpc": False}
    receipt = append(evidence=evidence)
    row = Evidence.objects.get(receipt_id=receipt.id)
    expected = hashlib.sha256(bytes(row.salt) + canonical_json(evidence)).hexdigest()
    assert set(Event.objects.values_list("evidence_hash", flat=True)) == {expected}


def test_evidence_erase_deletes_only_that_subjects_evidence(append: Append) -> None:
    append(subject="a", evidence={"ip": "192.0.2.0"})
    append(subject="b", evidence={"ip": "198.51.100.0"})
    assert services.evidence_erase(site=SITE, subject="a") == 1
    assert Evidence.objects.count() == 1
    assert Event.objects.count() == 4


def test_it_runs_inside_the_callers_transaction(append: Append) -> None:
    with transaction.atomic():
        append()
        transaction.set_rollback(True)
    assert not Event.objects.exists()
    assert not State.objects.exists()


def test_a_clash_inside_the_callers_transaction_undoes_only_the_failed_try(append: Append) -> None:
    """The caller's own writes, and its transaction, survive a refused and a replayed request."""
    with transaction.atomic():
        append(subject="other", decisions={"marketing": True})
        first = append(idempotency_key="k-1", decisions={"analytics": True})
        with pytest.raises(IdempotencyConflict):
            append(idempotency_key="k-1", decisions={"analytics": False})
        assert append(idempotency_key="k-1", decisions={"analytics": True}).id == first.id
        # The transaction is still usable: a later choice writes and reads back.
        append(subject="third", decisions={"analytics": False})
    assert services_state("other") == {"marketing": True}
    assert services_state("visitor-1") == {"analytics": True}
    assert services_state("third") == {"analytics": False}
    assert Event.objects.filter(receipt_id=first.id).count() == 1


def test_inside_a_transaction_the_savepoint_rides_with_the_state_read_and_the_insert(append: Append) -> None:
    """On PostgreSQL the savepoint costs no round trip of its own (SQLite, in process, keeps Django's)."""
    with CaptureQueriesContext(connection) as captured:
        append()
    statements = [query["sql"] for query in captured.captured_queries]
    if connection.vendor == "postgresql":
        # (The log is read first: one created in an uncommitted transaction is never remembered.)
        riding = [sql for sql in statements if "ledger_append" in sql]
        assert len(riding) == 2
        assert riding[0].startswith("SAVEPOINT ledger_append; SELECT")
        assert riding[1].startswith("WITH")
        assert riding[1].endswith("; RELEASE SAVEPOINT ledger_append")
        assert statements[-1] == riding[1]
    else:
        assert statements[-1].startswith("RELEASE SAVEPOINT")


@pytest.mark.parametrize(
    ("overrides", "error", "field"),
    [
        ({"decisions": {"ads": True}}, UnknownPurpose, "decisions.ads"),
        ({"decisions": {}}, EmptyDecisions, "decisions"),
        ({"subject": "x" * 129}, InvalidSubject, "subject"),
        ({"subject": ""}, InvalidSubject, "subject"),
        ({"source": "fax"}, UnknownTerm, "source"),
        ({"method": "shout"}, UnknownTerm, "method"),
        ({"kind": "maybe"}, UnknownTerm, "kind"),
        ({"kind": "opted_in", "decisions": {"analytics": False}}, LedgerInputError, "kind"),
        ({"decisions": {"analytics": "yes"}}, LedgerInputError, "decisions.analytics"),
        ({"site": "has space"}, LedgerInputError, "site"),
        ({"locale": "x" * 17}, LedgerInputError, "locale"),
        ({"evidence": {"blob": "x" * 9000}}, LedgerInputError, "evidence"),
    ],
)
def test_it_rejects_bad_input_naming_the_field_and_writes_nothing(
    append: Append, overrides: dict[str, object], error: type[LedgerInputError], field: str
) -> None:
    with pytest.raises(error) as raised:
        append(**overrides)
    assert isinstance(raised.value, ValueError)
    assert raised.value.field == field
    assert field in str(raised.value)
    assert not Event.objects.exists()


def test_it_rejects_a_timestamp_far_in_the_future(append: Append) -> None:
    with pytest.raises(FutureTimestamp, match="occurred_at"):
        append(occurred_at=timezone.now() + timedelta(minutes=6))
    assert not Event.objects.exists()


def test_it_accepts_a_client_clock_a_little_ahead(append: Append) -> None:
    occurred = timezone.now() + timedelta(minutes=4)
    append(occurred_at=occurred)
    assert Event.objects.first().occurred_at == occurred


def test_it_allows_an_empty_method_only_for_system_events(append: Append) -> None:
    with pytest.raises(UnknownTerm):
        append(method="")
    append(method="", source="system", kind="expired", decisions={"analytics": False})


def test_it_lists_states_due_for_expiry(append: Append) -> None:
    append(subject="a", decisions={"analytics": True}, lifetime=timedelta(seconds=1))
    append(subject="b", decisions={"analytics": True})
    due = selectors.states_due_for_expiry(now=timezone.now() + timedelta(seconds=2))
    assert [(item.site, item.purpose) for item in due] == [(SITE, "analytics")]
    assert due[0].subject_key == services.subject_key(site=SITE, subject="a")
