"""Writing a site's ledger as JSON lines that `python -m ledger.verify` checks offline.

Line order: a header, the published keys, the signed checkpoints (by size), then one line per leaf in
log order carrying the event's canonical bytes, then events still waiting for the integrator. Only
the canonical bytes are exported, never the evidence, so an export holds no personal data.
"""

import json
from collections.abc import Iterator
from typing import Any

from django.utils import timezone

from ledger import stream
from ledger.canonical import timestamp
from ledger.keys import public_keys
from ledger.models import Checkpoint, Event, Log
from ledger.projection import EVENT_COLUMNS, event_row_bytes
from ledger.tree import tree_size

FORMAT = "assent-ledger-export/1"
_CHUNK = 10_000


def _line(document: dict[str, Any]) -> str:
    return json.dumps(document, separators=(",", ":"), ensure_ascii=False) + "\n"


def export_lines(log: Log) -> Iterator[str]:
    """Yield the export of one log, line by line."""
    # Checkpoints are read before the size, so every exported checkpoint covers exported leaves.
    checkpoints = list(Checkpoint.objects.filter(log=log).order_by("size").values_list("size", "note"))
    size = tree_size(log.id)
    yield _line(
        {
            "type": "header",
            "format": FORMAT,
            "site": log.site,
            "origin": log.origin,
            "size": size,
            "exported_at": timestamp(timezone.now()),
        }
    )
    for key in public_keys():
        yield _line({"type": "key", **key.as_dict()})
    for cp_size, note in checkpoints:
        yield _line({"type": "checkpoint", "size": cp_size, "note": note})
    # Read in a transaction, so the leaves flow as they are fetched instead of the whole log first.
    with stream.reading():
        for index, digest, event_id, data in stream.leaves(log.site, log.id, size):
            yield _line(
                {
                    "type": "leaf",
                    "index": index,
                    "leaf_hash": digest.hex(),
                    "event_id": event_id,
                    "event": data.decode(),
                }
            )
    waiting = Event.objects.filter(log=log, leaf__isnull=True).order_by("id").values_list(*EVENT_COLUMNS)
    for event in waiting.iterator(chunk_size=_CHUNK):
        yield _line({"type": "pending", "event_id": str(event[0]), "event": event_row_bytes(log.site, event).decode()})
