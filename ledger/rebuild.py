"""Rebuilding the current-state projection from the events and reporting where it had drifted."""

from collections.abc import Iterator
from dataclasses import dataclass
from itertools import groupby
from operator import itemgetter

from django.db import transaction

from ledger.models import Event, Log, State
from ledger.projection import FOLD_COLUMNS, STATE_FIELDS, StateRow, state_fold

_CHUNK = 10_000

Subjects = Iterator[tuple[str, dict[str, StateRow]]]


@dataclass(frozen=True)
class StateDifference:
    """One projection row that disagrees with the fold of the events."""

    site: str
    subject_key: str
    purpose: str
    stored: StateRow | None
    folded: StateRow | None

    def describe(self) -> str:
        """Return one line saying what differs."""
        return (
            f"site {self.site}: subject {self.subject_key} purpose {self.purpose}: "
            f"stored {self.stored!r}, events say {self.folded!r}"
        )


def _folded_subjects(log: Log) -> Subjects:
    rows = Event.objects.filter(log=log).order_by("subject_key", "id").values_list("subject_key", *FOLD_COLUMNS)
    for subject, group in groupby(rows.iterator(chunk_size=_CHUNK), key=itemgetter(0)):
        yield subject, state_fold(row[1:] for row in group)


def _stored_subjects(log: Log) -> Subjects:
    rows = State.objects.filter(log=log).order_by("subject_key", "purpose").values_list("subject_key", *STATE_FIELDS)
    for subject, group in groupby(rows.iterator(chunk_size=_CHUNK), key=itemgetter(0)):
        yield subject, {row[1]: StateRow.from_values(row[1:]) for row in group}


def _subject_differences(
    site: str, subject: str, folded: dict[str, StateRow], stored: dict[str, StateRow]
) -> list[StateDifference]:
    return [
        StateDifference(site, subject, purpose, stored.get(purpose), folded.get(purpose))
        for purpose in sorted(folded.keys() | stored.keys())
        if folded.get(purpose) != stored.get(purpose)
    ]


def log_differences(log: Log) -> list[StateDifference]:
    """Return every projection row of a log that differs from the fold of its events (one merge pass)."""
    differences: list[StateDifference] = []
    folded, stored = _folded_subjects(log), _stored_subjects(log)
    left, right = next(folded, None), next(stored, None)
    while left is not None or right is not None:
        if right is None or (left is not None and left[0] < right[0]):
            assert left is not None
            differences += _subject_differences(log.site, left[0], left[1], {})
            left = next(folded, None)
        elif left is None or right[0] < left[0]:
            differences += _subject_differences(log.site, right[0], {}, right[1])
            right = next(stored, None)
        else:
            differences += _subject_differences(log.site, left[0], left[1], right[1])
            left, right = next(folded, None), next(stored, None)
    return differences


def _subject_repair(log: Log, subject: str) -> None:
    """Rewrite one subject's projection rows from its events, holding its row locks."""
    with transaction.atomic():
        list(State.objects.select_for_update().filter(log=log, subject_key=subject))
        events = Event.objects.filter(log=log, subject_key=subject).order_by("id").values_list(*FOLD_COLUMNS)
        folded = state_fold(events)
        State.objects.filter(log=log, subject_key=subject).exclude(purpose__in=list(folded)).delete()
        State.objects.bulk_create(
            [
                State(
                    log=log,
                    subject_key=subject,
                    purpose=row.purpose,
                    granted=row.granted,
                    kind=row.kind,
                    source=row.source,
                    since=row.since,
                    expires_at=row.expires_at,
                    event_id=row.event_id,
                    receipt_id=row.receipt_id,
                )
                for row in folded.values()
            ],
            update_conflicts=True,
            unique_fields=["log", "subject_key", "purpose"],
            update_fields=["granted", "kind", "source", "since", "expires_at", "event_id", "receipt_id"],
        )


def rebuild_state(*, site: str | None = None, repair: bool = True) -> list[StateDifference]:
    """Compare the projection of one site (or all) with the fold of the events; repair what differs."""
    logs = Log.objects.order_by("site")
    if site is not None:
        logs = logs.filter(site=site)
    differences: list[StateDifference] = []
    for log in logs:
        found = log_differences(log)
        if repair:
            for subject in sorted({difference.subject_key for difference in found}):
                _subject_repair(log, subject)
        differences += found
    return differences
