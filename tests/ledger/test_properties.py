"""Properties: canonical bytes, Merkle proofs, and whole ledgers built from random sequences of appends."""

import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ledger import merkle, services
from ledger.canonical import canonical_json, event_bytes, event_text_bytes, timestamp
from ledger.export import export_lines
from ledger.keys import verification_keys
from ledger.logs import log_find
from ledger.models import State
from ledger.record import EventRecord, record_bytes
from ledger.verification import Problem, log_verify
from ledger.verify import VerifyFailed, export_verify
from tests.ledger.conftest import PURPOSES, Append

moments = st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1), timezones=st.just(UTC))


@settings(max_examples=150, deadline=None)
@given(
    texts=st.lists(st.text(st.characters(exclude_categories=["Cs"])), min_size=9, max_size=9),
    granted=st.booleans(),
    moments=st.tuples(moments, moments, st.none() | moments),
)
def test_the_fast_canonical_form_equals_the_json_encoder(
    texts: list[str], granted: bool, moments: tuple[datetime, datetime, datetime | None]
) -> None:
    site, purpose, kind, source, method, banner, jurisdiction, locale, key = texts
    common: dict[str, Any] = {
        "event_id": "0190a4c2-0000-7000-8000-000000000000",
        "site": site,
        "subject_key": "ab" * 32,
        "purpose": purpose,
        "granted": granted,
        "kind": kind,
        "source": source,
        "method": method,
        "banner_version": banner,
        "jurisdiction": jurisdiction,
        "locale": locale,
        "receipt_id": "0190a4c2-0000-7000-8000-000000000001",
        "evidence_hash": "",
        "idempotency_key": key,
    }
    occurred, recorded, expires = moments
    slow = event_bytes(**common, occurred_at=occurred, recorded_at=recorded, expires_at=expires)
    fast = event_text_bytes(
        **common,
        occurred_at=timestamp(occurred),
        recorded_at=timestamp(recorded),
        expires_at=timestamp(expires) if expires else None,
    )
    assert fast == slow
    assert canonical_json(json.loads(fast)) == fast
    record = EventRecord(
        id=common["event_id"],
        subject_key=common["subject_key"],
        purpose=purpose,
        granted=granted,
        kind=kind,
        source=source,
        method=method,
        banner_version=banner,
        jurisdiction=jurisdiction,
        locale=locale,
        occurred_at=occurred,
        recorded_at=recorded,
        expires_at=expires,
        receipt_id=common["receipt_id"],
        evidence_hash="",
        idempotency_key=key or None,
    )
    assert record_bytes(site, record) == slow
    assert EventRecord.from_row(record.as_row()) == record


@settings(max_examples=60, deadline=None)
@given(size=st.integers(1, 300), data=st.data())
def test_any_inclusion_and_consistency_proof_verifies_and_a_wrong_root_never_does(size: int, data: Any) -> None:
    nodes: dict[merkle.Node, bytes] = {}
    builder = merkle.TreeBuilder()
    roots = [builder.root()]
    for position in range(size):
        leaf = merkle.leaf_hash(data.draw(st.binary(max_size=8), label="leaf") + position.to_bytes(2, "big"))
        nodes[0, position] = leaf
        builder.append(leaf, lambda level, index, digest: nodes.__setitem__((level, index), digest))
        roots.append(builder.root())
    index = data.draw(st.integers(0, size - 1), label="index")
    proof = merkle.plan_resolve(merkle.inclusion_plan(index, size), nodes)
    assert merkle.verify_inclusion(index, size, nodes[0, index], proof, roots[size])
    assert not merkle.verify_inclusion(index, size, nodes[0, index], proof, roots[size - 1] if size > 1 else b"x" * 32)
    size1 = data.draw(st.integers(1, size), label="size1")
    proof = merkle.plan_resolve(merkle.consistency_plan(size1, size), nodes) if size1 < size else []
    assert merkle.verify_consistency(size1, size, roots[size1], roots[size], proof)
    if size1 < size:
        assert not merkle.verify_consistency(size1, size, roots[size1 - 1] or b"", roots[size], proof)


decisions = st.dictionaries(st.sampled_from(PURPOSES), st.booleans(), min_size=1, max_size=4)
operation = st.one_of(
    st.tuples(
        st.just("append"),
        st.sampled_from(["north", "south"]),
        st.sampled_from(["s1", "s2", "s3"]),
        decisions,
        st.none() | st.sampled_from(["k1", "k2", "k3"]),
    ),
    st.tuples(st.just("integrate"), st.sampled_from(["north", "south"])),
)


@contextmanager
def _rolled_back() -> Iterator[None]:
    """Run one example in a savepoint that is always rolled back, so examples never see each other."""
    with transaction.atomic():
        yield
        transaction.set_rollback(True)


def _play(append: Append, operations: list[tuple[Any, ...]]) -> None:
    first_receipts: dict[tuple[str, str, str], tuple[Any, dict[str, bool]]] = {}
    for step in operations:
        if step[0] == "integrate":
            services.log_integrate(site=step[1], checkpoint_force=True)
            continue
        _, site, subject, chosen, key = step
        earlier = first_receipts.get((site, subject, key)) if key is not None else None
        if earlier is not None and earlier[1] != chosen:
            # The same key in the same scope with another request is refused, never answered.
            with pytest.raises(services.IdempotencyConflict):
                append(site=site, subject=subject, decisions=chosen, idempotency_key=key)
            continue
        receipt = append(site=site, subject=subject, decisions=chosen, idempotency_key=key)
        if key is None:
            continue
        first = first_receipts.setdefault((site, subject, key), (receipt, chosen))[0]
        assert receipt.replayed is (first is not receipt)
        assert (receipt.id, receipt.event_ids, receipt.leaf_hashes) == (first.id, first.event_ids, first.leaf_hashes)
    for site in ("north", "south"):
        services.log_integrate(site=site, checkpoint_force=True)


def _leaf_positions(lines: list[str]) -> list[int]:
    return [number for number, line in enumerate(lines) if json.loads(line)["type"] == "leaf"]


def _verify_copy(lines: list[str]) -> str | None:
    try:
        export_verify(lines, verification_keys())
    except VerifyFailed as failed:
        return str(failed)
    return None


def _tamper_checks(lines: list[str], data: Any) -> None:
    """Change, delete, insert and swap leaves in a copy of the export; each must be caught where it happened."""
    leaves = _leaf_positions(lines)
    target = data.draw(st.sampled_from(leaves), label="leaf")
    document = json.loads(lines[target])
    text = document["event"]
    offset = data.draw(st.integers(0, len(text) - 1), label="byte")
    replacement = data.draw(st.sampled_from("0aZ\"'{ "), label="replacement")
    if text[offset] != replacement:
        changed = list(lines)
        changed[target] = json.dumps({**document, "event": text[:offset] + replacement + text[offset + 1 :]})
        failure = _verify_copy(changed)
        assert failure is not None, "a changed byte went unnoticed"
        assert document["event_id"] in failure, failure

    removed = [line for number, line in enumerate(lines) if number != target]
    failure = _verify_copy(removed)
    assert failure is not None, "a deleted leaf went unnoticed"
    assert f"leaf {document['index']}" in failure or "leaves but its header says" in failure

    renumbered = _renumber([*lines[:target], _forged(document), *lines[target:]])
    failure = _verify_copy(renumbered)
    assert failure is not None, "an inserted leaf went unnoticed"
    assert "checkpoint" in failure or "header says" in failure

    if len(leaves) > 1:
        other = data.draw(st.sampled_from([n for n in leaves if n != target]), label="other")
        first, second = sorted((target, other))
        swapped = list(lines)
        swapped[first], swapped[second] = lines[second], lines[first]
        if json.loads(lines[first])["leaf_hash"] != json.loads(lines[second])["leaf_hash"]:
            failure = _verify_copy(_renumber(swapped))
            assert failure is not None, "swapped leaves went unnoticed"
            assert "checkpoint" in failure, failure


def _forged(document: dict[str, Any]) -> str:
    event = json.loads(document["event"])
    event["granted"] = not event["granted"]
    data = canonical_json(event)
    return json.dumps({**document, "event": data.decode(), "leaf_hash": merkle.leaf_hash(data).hex()})


def _renumber(lines: list[str]) -> list[str]:
    """Give leaves contiguous indices again, as someone covering their tracks would."""
    result, index = [], 0
    for line in lines:
        document = json.loads(line)
        if document["type"] == "leaf":
            document["index"], index = index, index + 1
            line = json.dumps(document)
        result.append(line)
    return result


@settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(operations=st.lists(operation, min_size=1, max_size=10), data=st.data())
def test_any_ledger_folds_to_its_projection_verifies_and_reveals_any_tampering(
    append: Append, operations: list[tuple[Any, ...]], data: Any
) -> None:
    with _rolled_back():
        _play(append, operations)
        assert services.rebuild_state(repair=False) == []
        for site in ("north", "south"):
            log = log_find(site)
            if log is None:
                continue
            report = log_verify(log, now=datetime.now(UTC) + timedelta(days=1))
            assert not isinstance(report, Problem), report
            lines = list(export_lines(log))
            assert _verify_copy(lines) is None
            _tamper_checks(lines, data)


def test_a_projection_edited_behind_the_ledgers_back_is_reported(append: Append) -> None:
    append(decisions={"analytics": True})
    assert services.rebuild_state(repair=False) == []
    State.objects.filter(purpose="analytics").update(granted=False)
    [difference] = services.rebuild_state(repair=False)
    assert difference.purpose == "analytics"
    assert difference.stored is not None
    assert difference.stored.granted is False
    assert difference.folded is not None
    assert difference.folded.granted is True
    assert "analytics" in difference.describe()


@pytest.mark.parametrize("year", [1999, 1])
def test_it_rejects_a_timestamp_before_the_ledger_could_exist(append: Append, year: int) -> None:
    with pytest.raises(ValueError, match="occurred_at"):
        append(occurred_at=datetime(year, 6, 1, tzinfo=UTC))
