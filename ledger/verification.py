"""Full verification of a site's stored log: events ↔ leaves ↔ subtrees ↔ signed checkpoints.

One streaming pass in leaf order recomputes every leaf hash from its event, every complete subtree
and the root at every checkpoint size, so successive checkpoints are consistent exactly when each
matches the one recomputed leaf sequence. Then no event older than the integration delay may be
missing from the log.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from django.conf import settings
from django.utils import timezone

from ledger import merkle, stream
from ledger.keys import verification_keys
from ledger.models import Checkpoint, Event, Log
from ledger.notes import NoteError, checkpoint_parse, note_open
from ledger.tree import tree_size

_CHUNK = 10_000


@dataclass(frozen=True)
class Problem:
    """The first thing found wrong with a site's log, naming the event when there is one."""

    site: str
    message: str
    event_id: str | None = None

    def line(self) -> str:
        """Return the one line verify_ledger prints."""
        event = f" event {self.event_id}:" if self.event_id else ""
        return f"site {self.site}:{event} {self.message}"


@dataclass(frozen=True)
class Report:
    """What a successful verification covered."""

    site: str
    size: int
    checkpoints: int
    root: str


class _Failed(Exception):
    def __init__(self, problem: Problem) -> None:
        super().__init__(problem.line())
        self.problem = problem


def _signed_roots(
    log: Log, rows: list[tuple[int, bytes, str]], keys: list[Ed25519PublicKey], size: int
) -> list[tuple[int, bytes]]:
    """Return (size, root) of every checkpoint, each checked against its signature; fail on the first bad one."""
    roots = []
    for cp_size, cp_root, note in rows:
        try:
            body, _ = note_open(note, keys)
            stated = checkpoint_parse(body)
        except NoteError as exc:
            raise _Failed(Problem(log.site, f"checkpoint {cp_size}: {exc}")) from None
        if (stated.origin, stated.size, stated.root) != (log.origin, cp_size, bytes(cp_root)):
            raise _Failed(Problem(log.site, f"checkpoint {cp_size}: the signed note does not state the stored row"))
        if cp_size > size:
            message = f"checkpoint {cp_size} is beyond the log of {size} leaves: the log was rolled back"
            raise _Failed(Problem(log.site, message))
        roots.append((cp_size, stated.root))
    return roots


def _node_checker(log: Log, size: int) -> tuple[Callable[[int, int, bytes], None], Callable[[], None]]:
    """Return a callback comparing each completed subtree with the stored one, and a final check for extras."""
    stored = stream.nodes(log.id, size)

    def compare(level: int, index: int, digest: bytes) -> None:
        found = next(stored, None)
        if found is None or found[:2] != (level, index):
            raise _Failed(Problem(log.site, f"the stored subtree ({level}, {index}) is missing"))
        if found[2] != digest:
            first, last = index << level, ((index + 1) << level) - 1
            message = f"the stored subtree ({level}, {index}) over leaves {first}-{last} does not match them"
            raise _Failed(Problem(log.site, message))

    def finish() -> None:
        extra = next(stored, None)
        if extra is not None:
            raise _Failed(Problem(log.site, f"the stored subtree ({extra[0]}, {extra[1]}) is not part of the log"))

    return compare, finish


def _leaves_check(log: Log, size: int, roots: list[tuple[int, bytes]]) -> bytes:
    """Recompute leaves, subtrees and checkpoint roots from the events in one pass; return the root."""
    compare, finish = _node_checker(log, size)
    builder = merkle.TreeBuilder()
    pending_roots = iter(roots)
    next_root = next(pending_roots, None)
    for index, stored, event_id, data in stream.leaves(log.site, log.id, size):
        if index != builder.size:
            message = f"leaves {builder.size}-{index - 1} are missing: the log jumps to leaf {index} here"
            raise _Failed(Problem(log.site, message, event_id))
        digest = merkle.leaf_hash(data)
        if digest != stored:
            raise _Failed(Problem(log.site, f"does not match its leaf {index}: changed after it was logged", event_id))
        builder.append(digest, compare)
        while next_root is not None and next_root[0] == builder.size:
            if builder.root() != next_root[1]:
                message = f"the signed root of checkpoint {next_root[0]} does not match the leaves up to here"
                raise _Failed(Problem(log.site, message, event_id))
            next_root = next(pending_roots, None)
    if builder.size != size:
        raise _Failed(Problem(log.site, f"leaves {builder.size}-{size - 1} are missing at the end of the log"))
    finish()
    return builder.root()


def _unlogged_check(log: Log, now: datetime) -> None:
    """Fail when an event older than the integration delay has no leaf."""
    cutoff = now - timedelta(seconds=settings.LEDGER_INTEGRATION_DELAY)
    late = Event.objects.filter(log=log, leaf__isnull=True, recorded_at__lt=cutoff).order_by("id")
    row = late.values_list("id", "recorded_at").first()
    if row is not None:
        message = f"recorded at {row[1].isoformat()} but not in the log after {settings.LEDGER_INTEGRATION_DELAY} s"
        raise _Failed(Problem(log.site, message, str(row[0])))


def log_verify(log: Log, *, now: datetime | None = None) -> Report | Problem:
    """Verify one site's log; return what was covered, or the first problem."""
    keys = verification_keys()
    started = now or timezone.now()
    try:
        # Checkpoints are read before the size, so every one of them was signed over leaves that exist.
        rows = list(Checkpoint.objects.filter(log=log).order_by("size").values_list("size", "root", "note"))
        size = tree_size(log.id)
        roots = _signed_roots(log, rows, keys, size)
        with stream.reading():
            root = _leaves_check(log, size, roots)
        _unlogged_check(log, started)
    except _Failed as failed:
        return failed.problem
    return Report(site=log.site, size=size, checkpoints=len(roots), root=root.hex())


def ledger_verify(*, site: str | None = None) -> list[Report | Problem]:
    """Verify one site's log, or every site's; one result per site."""
    logs = Log.objects.order_by("site")
    if site is not None:
        logs = logs.filter(site=site)
    return [log_verify(log) for log in logs]
