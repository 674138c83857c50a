"""The Merkle log: integration, checkpoints, proofs and the feed."""

from datetime import timedelta

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.utils import timezone

from ledger import integrator, merkle, selectors, services, tasks
from ledger.errors import ProofUnavailable
from ledger.keys import public_keys, verification_keys
from ledger.models import Checkpoint, Event, Leaf, Node, PendingLeaf
from ledger.notes import checkpoint_parse, note_open, public_pem
from ledger.verification import Problem, ledger_verify
from tests.ledger.conftest import SITE, Append


def _subjects(append: Append, count: int, site: str = SITE) -> None:
    for number in range(count):
        append(site=site, subject=f"visitor-{number}", decisions={"analytics": number % 2 == 0, "marketing": True})


def test_integration_gives_every_waiting_event_one_contiguous_leaf(append: Append) -> None:
    _subjects(append, 5)
    assert services.log_integrate(site=SITE) == 10
    assert sorted(Leaf.objects.values_list("index", flat=True)) == list(range(10))
    assert not PendingLeaf.objects.exists()
    _subjects(append, 3)
    assert services.log_integrate(site=SITE) == 6
    assert sorted(Leaf.objects.values_list("index", flat=True)) == list(range(16))


def test_integration_in_small_batches_gives_leaves_in_event_id_order_with_the_queued_hashes(
    append: Append, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(integrator, "BATCH_SIZE", 3)
    _subjects(append, 4)
    queued = dict(PendingLeaf.objects.values_list("event_id", "leaf_hash"))
    assert services.log_integrate(site=SITE) == 8
    leaves = list(Leaf.objects.order_by("index").values_list("index", "event_id", "hash"))
    assert [index for index, _, _ in leaves] == list(range(8))
    assert [event_id for _, event_id, _ in leaves] == sorted(queued)
    assert [bytes(digest) for _, _, digest in leaves] == [bytes(queued[event_id]) for event_id in sorted(queued)]
    builder, nodes = merkle.TreeBuilder(), []
    for _, _, digest in leaves:
        builder.append(bytes(digest), lambda level, index, node: nodes.append((level, index, node)))
    assert sorted(nodes) == sorted(
        (level, index, bytes(digest)) for level, index, digest in Node.objects.values_list("level", "index", "hash")
    )


def test_integration_stores_every_complete_subtree_once(append: Append) -> None:
    _subjects(append, 6)
    services.log_integrate(site=SITE)
    levels = sorted(Node.objects.values_list("level", "index"))
    assert levels == [(1, 0), (1, 1), (1, 2), (1, 3), (1, 4), (1, 5), (2, 0), (2, 1), (2, 2), (3, 0)]


def test_leaves_follow_the_hashes_the_receipts_promised(append: Append) -> None:
    receipt = append()
    services.log_integrate(site=SITE)
    stored = {str(event_id): bytes(digest).hex() for event_id, digest in Leaf.objects.values_list("event_id", "hash")}
    assert [stored[event_id] for event_id in receipt.event_ids] == receipt.leaf_hashes


def test_a_checkpoint_is_signed_once_the_log_has_leaves(append: Append) -> None:
    _subjects(append, 2)
    services.log_integrate(site=SITE)
    latest = selectors.checkpoint_latest(site=SITE)
    assert latest is not None
    assert latest.size == 4
    body, key_id = note_open(latest.note, verification_keys())
    stated = checkpoint_parse(body)
    assert stated.origin == f"assent/ledger/{SITE}"
    assert stated.root.hex() == latest.root
    assert key_id.hex() == public_keys()[0].key_id
    assert latest.note.splitlines()[-1].startswith("\u2014 assent-ledger ")


def test_no_new_checkpoint_is_signed_before_the_interval_unless_asked(append: Append, settings: object) -> None:
    _subjects(append, 1)
    services.log_integrate(site=SITE)
    _subjects(append, 1)
    services.log_integrate(site=SITE)
    assert Checkpoint.objects.count() == 1
    assert services.checkpoint_sign(site=SITE)
    assert list(Checkpoint.objects.order_by("size").values_list("size", flat=True)) == [2, 4]
    assert not services.checkpoint_sign(site=SITE)


def test_the_beat_task_integrates_every_waiting_site(append: Append) -> None:
    _subjects(append, 2, site="one")
    _subjects(append, 1, site="two")
    assert tasks.log_integrate_all() == {"one": 4, "two": 2}
    assert Checkpoint.objects.count() == 2
    assert tasks.log_integrate("one", checkpoint_force=True) == 0


def test_an_inclusion_proof_verifies_against_the_signed_checkpoint(append: Append) -> None:
    receipts = [append(subject=f"visitor-{n}", decisions={"analytics": True}) for n in range(7)]
    services.log_integrate(site=SITE)
    for receipt in receipts:
        proof = selectors.prove_inclusion(event_id=receipt.event_ids[0])
        assert proof.verify()
        assert proof.leaf_hash == receipt.leaf_hashes[0]
        assert checkpoint_parse(note_open(proof.checkpoint, verification_keys())[0]).root.hex() == proof.root


def test_no_inclusion_proof_exists_before_integration(append: Append) -> None:
    receipt = append()
    with pytest.raises(ProofUnavailable):
        selectors.prove_inclusion(event_id=receipt.event_ids[0])


def test_consistency_proofs_link_successive_checkpoints(append: Append) -> None:
    sizes = []
    for round_ in range(4):
        _subjects(append, round_ + 1)
        services.log_integrate(site=SITE, checkpoint_force=True)
        sizes.append(selectors.checkpoint_latest(site=SITE).size)
    for size1 in sizes:
        for size2 in sizes:
            if size1 <= size2:
                proof = selectors.prove_consistency(site=SITE, size1=size1, size2=size2)
                assert proof.verify(), (size1, size2)
    with pytest.raises(ProofUnavailable):
        selectors.prove_consistency(site=SITE, size1=1, size2=sizes[-1] + 1)


def test_the_feed_follows_log_order_and_only_shows_integrated_events(append: Append) -> None:
    _subjects(append, 3)
    services.log_integrate(site=SITE)
    append(subject="late")
    first = selectors.events_feed(site=SITE, after=None, limit=4)
    rest = selectors.events_feed(site=SITE, after=first[-1].leaf_index, limit=100)
    assert [event.leaf_index for event in first + rest] == list(range(6))


def test_the_audience_pages_by_subject_key(append: Append) -> None:
    _subjects(append, 9)
    seen: list[str] = []
    while True:
        page = selectors.audience(
            site=SITE, purpose="analytics", granted=True, after_cursor=seen[-1] if seen else None, limit=2
        )
        seen += [row.subject_key for row in page]
        if len(page) < 2:
            break
    assert len(seen) == 5
    assert seen == sorted(seen)
    assert len(selectors.audience(site=SITE, purpose="analytics", granted=False)) == 4


def test_states_granted_answers_many_subjects_and_treats_a_lapsed_grant_as_refused(append: Append) -> None:
    append(subject="a", decisions={"analytics": True, "marketing": False})
    append(subject="b", decisions={"analytics": True}, lifetime=timedelta(seconds=1))
    later = timezone.now() + timedelta(seconds=2)
    answer = selectors.states_granted(
        site=SITE, subjects=["a", "b", "c"], purposes=["analytics", "marketing"], now=later
    )
    assert answer == {"a": {"analytics": True, "marketing": False}, "b": {"analytics": False}}


def test_subject_state_at_a_moment_is_folded_from_events(append: Append) -> None:
    first = append(decisions={"analytics": True})
    append(decisions={"analytics": False})
    then = selectors.subject_state_at(site=SITE, subject="visitor-1", at=first.recorded_at)
    assert then["analytics"].granted is True
    now = selectors.subject_state_at(site=SITE, subject="visitor-1", at=timezone.now())
    assert now == selectors.subject_state(site=SITE, subject="visitor-1")


def test_subject_events_are_newest_first_with_their_leaf_index(append: Append) -> None:
    append(decisions={"analytics": True})
    services.log_integrate(site=SITE)
    append(decisions={"analytics": False})
    events = selectors.subject_events(site=SITE, subject="visitor-1")
    assert [(event.granted, event.leaf_index) for event in events] == [(False, None), (True, 0)]


def test_rebuild_state_finds_and_repairs_a_drifted_projection(append: Append) -> None:
    _subjects(append, 3)
    assert services.rebuild_state() == []
    from ledger.models import State

    State.objects.filter(purpose="marketing").first().delete()
    State.objects.filter(purpose="analytics").update(granted=False)
    differences = services.rebuild_state(site=SITE)
    assert len(differences) == 3
    assert services.rebuild_state(site=SITE) == []


def test_an_old_checkpoint_still_verifies_after_the_key_is_rotated(append: Append, settings: object) -> None:
    _subjects(append, 2)
    services.log_integrate(site=SITE)
    old = public_pem(verification_keys()[0])
    from cryptography.hazmat.primitives import serialization

    settings.LEDGER_SIGNING_KEY = (
        Ed25519PrivateKey.generate()
        .private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
        .decode()
    )
    settings.LEDGER_RETIRED_PUBLIC_KEYS = old
    _subjects(append, 2)
    services.log_integrate(site=SITE, checkpoint_force=True)
    assert len({row.key_id for row in Checkpoint.objects.all()}) == 2
    assert [key.current for key in public_keys()] == [True, False]
    assert not any(isinstance(result, Problem) for result in ledger_verify())


def test_a_log_that_verifies_reports_its_size_and_root(append: Append) -> None:
    _subjects(append, 4)
    services.log_integrate(site=SITE)
    [report] = ledger_verify(site=SITE)
    assert not isinstance(report, Problem)
    assert report.size == 8
    assert bytes.fromhex(report.root) == bytes(Checkpoint.objects.get().root)


def test_verification_flags_an_event_never_integrated_after_the_delay(append: Append, settings: object) -> None:
    receipt = append()
    settings.LEDGER_INTEGRATION_DELAY = 0
    [problem] = ledger_verify(site=SITE)
    assert isinstance(problem, Problem)
    assert problem.event_id == receipt.event_ids[0]
    assert "not in the log" in problem.line()


def test_a_recent_event_may_wait_for_the_integrator(append: Append) -> None:
    append()
    [report] = ledger_verify(site=SITE)
    assert not isinstance(report, Problem)
    assert Event.objects.count() == 2


def test_the_root_of_the_stored_tree_equals_the_recomputed_root(append: Append) -> None:
    _subjects(append, 11)
    services.log_integrate(site=SITE)
    hashes = [bytes(digest) for digest in Leaf.objects.order_by("index").values_list("hash", flat=True)]
    builder = merkle.TreeBuilder()
    for digest in hashes:
        builder.append(digest)
    assert builder.root().hex() == selectors.checkpoint_latest(site=SITE).root
    assert timezone.now() - selectors.checkpoint_latest(site=SITE).signed_at < timedelta(minutes=1)


def test_the_log_still_verifies_after_evidence_is_erased(append: Append) -> None:
    append(subject="erased", evidence={"ip": "192.0.2.0", "user_agent": "Firefox"})
    append(subject="kept", evidence={"ip": "198.51.100.0"})
    services.log_integrate(site=SITE)
    assert services.evidence_erase(site=SITE, subject="erased") == 1
    [report] = ledger_verify(site=SITE)
    assert not isinstance(report, Problem)
    assert report.size == 4
