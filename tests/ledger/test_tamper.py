"""Tampering by someone who can drop the triggers (a database owner): verify_ledger notices and says where."""

from datetime import timedelta
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.utils import timezone

from ledger import services, triggers
from ledger.ids import now_ns, uuid7
from ledger.models import Checkpoint, Event, Leaf, State
from tests.ledger.cleanup import triggers_drop
from tests.ledger.conftest import SITE, Append

pytestmark = pytest.mark.django_db(transaction=True)


def _log(append: Append) -> list[str]:
    """Append 16 events over two checkpoints; return the event ids in log order."""
    for number in range(5):
        append(subject=f"visitor-{number}", decisions={"analytics": True, "marketing": number % 2 == 0})
    services.log_integrate(site=SITE, checkpoint_force=True)
    for number in range(3):
        append(subject=f"late-{number}", decisions={"analytics": False, "marketing": True})
    services.log_integrate(site=SITE, checkpoint_force=True)
    return [str(event_id) for event_id in Leaf.objects.order_by("index").values_list("event_id", flat=True)]


# The subtrees that cover any leaf from index 10 on: what a rollback to 10 leaves removes.
_NODES_BEYOND_10 = 'DELETE FROM ledger_node WHERE (("index" + 1) << level) > 10'


def _sql(statement: str, params: list[Any] | None = None) -> None:
    with connection.cursor() as cursor:
        cursor.execute(statement, params or [])


def _failure() -> str:
    with pytest.raises(CommandError) as failed:
        call_command("verify_ledger", site=SITE)
    return str(failed.value)


def _uuid_param(event_id: str) -> Any:
    """Return an event id the way this database stores it (SQLite: 32 hex digits)."""
    return event_id if connection.vendor == "postgresql" else event_id.replace("-", "")


def test_an_intact_log_verifies(committed: Append, capsys: pytest.CaptureFixture[str]) -> None:
    _log(committed)
    call_command("verify_ledger")
    output = capsys.readouterr()
    assert f"site {SITE}: 16 leaves, 2 checkpoints verified" in output.out
    assert output.err == ""


def test_verify_fails_when_the_triggers_are_gone(committed: Append, capsys: pytest.CaptureFixture[str]) -> None:
    _log(committed)
    triggers_drop()
    failure = _failure()
    assert failure.startswith("database: trigger ledger_log_")
    assert failure.endswith(" is missing")
    assert "database: trigger ledger_checkpoint_" in capsys.readouterr().err


def test_verify_fails_when_a_trigger_is_disabled_or_rewritten(committed: Append) -> None:
    _log(committed)
    if connection.vendor == "postgresql":
        _sql("ALTER TABLE ledger_event DISABLE TRIGGER ledger_event_append_only")
        assert _failure() == "database: trigger ledger_event_append_only is disabled"
        _sql("ALTER TABLE ledger_event ENABLE TRIGGER ledger_event_append_only")
        # Same names, same tables, enabled: only the function's body lets every change through.
        _sql(
            "CREATE OR REPLACE FUNCTION ledger_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$ "
            "BEGIN IF TG_OP = 'DELETE' THEN RETURN OLD; END IF; RETURN NEW; END $$"
        )
        assert _failure() == "database: trigger ledger_log_append_only runs a changed ledger_refuse_change()"
        triggers.triggers_reinstall(connection)
    else:
        _sql("DROP TRIGGER ledger_event_no_update")
        _sql(
            "CREATE TRIGGER ledger_event_no_update BEFORE UPDATE ON ledger_event WHEN 0 "
            "BEGIN SELECT RAISE(ABORT, 'UPDATE on ledger_event refused: the ledger is append-only'); END"
        )
        assert _failure().startswith("database: trigger ledger_event_no_update was changed: ")
        triggers.triggers_reinstall(connection)
    call_command("verify_ledger", site=SITE)


def test_a_projection_that_drifted_from_the_events_fails_verification(committed: Append) -> None:
    _log(committed)
    key = services.subject_key(site=SITE, subject="visitor-1")
    _sql("UPDATE ledger_state SET granted = NOT granted WHERE subject_key = %s AND purpose = 'marketing'", [key])
    failure = _failure()
    assert failure.startswith(f"site {SITE}: subject {key} purpose marketing: stored ")
    with pytest.raises(CommandError, match=f"subject {key} purpose marketing"):
        call_command("rebuild_state", check=True, site=SITE)
    assert State.objects.get(subject_key=key, purpose="marketing").granted is True  # --check changed nothing
    call_command("rebuild_state", site=SITE)
    assert State.objects.get(subject_key=key, purpose="marketing").granted is False
    call_command("verify_ledger", site=SITE)


def test_a_changed_event_is_named(committed: Append) -> None:
    events = _log(committed)
    triggers_drop()
    _sql("UPDATE ledger_event SET granted = NOT granted WHERE id = %s", [_uuid_param(events[6])])
    assert _failure() == f"site {SITE}: event {events[6]}: does not match its leaf 6: changed after it was logged"


def test_a_changed_timestamp_is_named(committed: Append) -> None:
    events = _log(committed)
    triggers_drop()
    moved = Event.objects.get(id=events[12]).recorded_at - timedelta(microseconds=1)
    _sql("UPDATE ledger_event SET recorded_at = %s WHERE id = %s", [moved, _uuid_param(events[12])])
    assert f"event {events[12]}: does not match its leaf 12" in _failure()


def test_a_deleted_event_leaves_a_gap_that_is_named(committed: Append) -> None:
    events = _log(committed)
    triggers_drop()
    _sql("DELETE FROM ledger_leaf WHERE event_id = %s", [_uuid_param(events[4])])
    _sql("DELETE FROM ledger_event WHERE id = %s", [_uuid_param(events[4])])
    assert _failure() == f"site {SITE}: event {events[5]}: leaves 4-4 are missing: the log jumps to leaf 5 here"


def test_an_event_deleted_under_its_leaf_leaves_a_gap_that_is_named(committed: Append) -> None:
    # Nothing in the database ties a leaf to its event (the integrator's commit would pay for it), so
    # verification is what notices a leaf whose event is gone, in the middle of the log or at its end.
    events = _log(committed)
    triggers_drop()
    _sql("DELETE FROM ledger_event WHERE id = %s", [_uuid_param(events[15])])
    assert Leaf.objects.filter(event_id=events[15]).exists()
    assert _failure() == f"site {SITE}: leaves 15-15 are missing at the end of the log"
    _sql("DELETE FROM ledger_event WHERE id = %s", [_uuid_param(events[4])])
    assert _failure() == f"site {SITE}: event {events[5]}: leaves 4-4 are missing: the log jumps to leaf 5 here"


def test_a_deleted_event_with_the_log_renumbered_breaks_the_signed_root(committed: Append) -> None:
    events = _log(committed)
    triggers_drop()
    _sql("DELETE FROM ledger_leaf WHERE event_id = %s", [_uuid_param(events[4])])
    _sql("DELETE FROM ledger_event WHERE id = %s", [_uuid_param(events[4])])
    _sql("DELETE FROM ledger_node")
    # Two steps, so no row ever collides with its neighbour under the unique (log, index) constraint.
    _sql('UPDATE ledger_leaf SET "index" = -"index" WHERE "index" > 4')
    _sql('UPDATE ledger_leaf SET "index" = -"index" - 1 WHERE "index" < 0')
    message = _failure()
    assert message.startswith(f"site {SITE}: ")
    assert "subtree" in message or "checkpoint" in message


def test_a_forged_backdated_event_is_named(committed: Append) -> None:
    _log(committed)
    real = Event.objects.first()
    forged_at = timezone.now() - timedelta(hours=1)
    forged = Event.objects.create(
        id=uuid7(now_ns()),
        log_id=real.log_id,
        subject_key=real.subject_key,
        purpose="marketing",
        granted=True,
        kind="opted_in",
        source="banner",
        method="custom",
        occurred_at=forged_at,
        recorded_at=forged_at,
        receipt_id=uuid7(now_ns()),
    )
    message = _failure()
    assert message.startswith(f"site {SITE}: event {forged.id}: recorded at ")
    assert "not in the log" in message


def test_a_log_rolled_back_below_a_checkpoint_is_caught(committed: Append) -> None:
    events = _log(committed)
    triggers_drop()
    for event_id in events[10:]:
        _sql("DELETE FROM ledger_leaf WHERE event_id = %s", [_uuid_param(event_id)])
    _sql(_NODES_BEYOND_10)
    assert _failure() == f"site {SITE}: checkpoint 16 is beyond the log of 10 leaves: the log was rolled back"


def test_a_log_rolled_back_with_its_checkpoints_still_misses_the_events(committed: Append, settings: Any) -> None:
    events = _log(committed)
    triggers_drop()
    for event_id in events[10:]:
        _sql("DELETE FROM ledger_leaf WHERE event_id = %s", [_uuid_param(event_id)])
    _sql(_NODES_BEYOND_10)
    _sql("DELETE FROM ledger_checkpoint WHERE size = 16")
    settings.LEDGER_INTEGRATION_DELAY = 0
    first_missing = min(events[10:])
    assert _failure().startswith(f"site {SITE}: event {first_missing}: recorded at ")


def test_a_changed_subtree_is_named(committed: Append) -> None:
    _log(committed)
    triggers_drop()
    _sql('UPDATE ledger_node SET hash = %s WHERE level = 2 AND "index" = 1', [b"\x00" * 32])
    assert _failure() == f"site {SITE}: the stored subtree (2, 1) over leaves 4-7 does not match them"


def test_a_changed_checkpoint_fails_its_signature(committed: Append) -> None:
    _log(committed)
    triggers_drop()
    note = Checkpoint.objects.get(size=10).note
    _sql("UPDATE ledger_checkpoint SET note = %s WHERE size = 10", [note.replace("\n10\n", "\n11\n", 1)])
    message = _failure()
    assert message == f"site {SITE}: checkpoint 10: the signature by key " + message.split("key ")[1]
    assert "does not match the note" in message


def test_the_integrator_refuses_to_sign_over_a_rewritten_history(committed: Append) -> None:
    events = _log(committed)
    triggers_drop()
    _sql("UPDATE ledger_leaf SET hash = %s WHERE event_id = %s", [b"\x01" * 32, _uuid_param(events[0])])
    _sql('UPDATE ledger_node SET hash = %s WHERE level = 4 AND "index" = 0', [b"\x02" * 32])
    committed(subject="after")
    with pytest.raises(services.LedgerIntegrityError, match="inconsistent with checkpoint 16"):
        services.log_integrate(site=SITE, checkpoint_force=True)
