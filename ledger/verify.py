"""Verify a ledger export or a receipt bundle offline: `python -m ledger.verify FILE --public-key KEY.pem`.

What an auditor runs, with nothing but the export and the site operator's published public key(s):
standard library and `cryptography` only, no Django, no database. Exit 0 when every leaf hash matches
its event, the indices are contiguous and every checkpoint is signed by a given key and matches the
root recomputed from the leaves (so successive checkpoints are consistent); exit 1 with one line
naming the site and the first bad event otherwise; exit 2 when the input cannot be read. A receipt
bundle (one JSON document, see ledger.receipt_verify) is recognised and checked the same way.
"""

import argparse
import itertools
import json
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from ledger import merkle
from ledger.notes import NoteError, checkpoint_parse, note_open, public_keys_from_pem_bundle
from ledger.receipt_verify import BundleFailed, bundle_verify

FORMAT = "assent-ledger-export/1"


class VerifyFailed(Exception):
    """The export does not verify; the message is the one line to print."""


@dataclass(frozen=True)
class Summary:
    """What a successful offline verification covered."""

    site: str
    size: int
    checkpoints: int
    root: str
    pending: int


def _fail(site: str, message: str, event_id: str | None = None) -> VerifyFailed:
    event = f" event {event_id}:" if event_id else ""
    return VerifyFailed(f"site {site}:{event} {message}")


def _documents(lines: Iterable[str]) -> Iterator[dict[str, Any]]:
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            document = json.loads(line)
        except json.JSONDecodeError:
            raise VerifyFailed(f"line {number} is not JSON") from None
        if not isinstance(document, dict):
            raise VerifyFailed(f"line {number} is not a JSON object")
        yield document


def _checkpoint_roots(
    header: dict[str, Any], notes: list[dict[str, Any]], keys: list[Ed25519PublicKey]
) -> list[tuple[int, bytes]]:
    """Return (size, root) of every checkpoint after checking its signature and what it states."""
    site = header["site"]
    roots: list[tuple[int, bytes]] = []
    for document in notes:
        size = document.get("size")
        try:
            stated = checkpoint_parse(note_open(str(document.get("note", "")), keys)[0])
        except NoteError as exc:
            raise _fail(site, f"checkpoint {size}: {exc}") from None
        if stated.origin != header["origin"] or stated.size != size:
            raise _fail(site, f"checkpoint {size}: it states origin {stated.origin!r} and size {stated.size}")
        if roots and stated.size <= roots[-1][0]:
            raise _fail(site, f"checkpoint {size}: checkpoints are not in increasing size")
        if stated.size > header["size"]:
            raise _fail(site, f"checkpoint {size} is beyond the exported log of {header['size']} leaves")
        roots.append((stated.size, stated.root))
    return roots


def _leaf_digest(site: str, document: dict[str, Any], index: int) -> bytes:
    """Return the leaf hash of one exported leaf after checking it against its event bytes."""
    event_id, text = str(document.get("event_id", "")), document.get("event")
    if document.get("index") != index:
        raise _fail(site, f"leaf {index} is missing: the export jumps to leaf {document.get('index')}", event_id)
    if not isinstance(text, str):
        raise _fail(site, f"leaf {index} carries no event", event_id)
    raw = text.encode()
    try:
        event = json.loads(text)
    except json.JSONDecodeError:
        raise _fail(site, f"leaf {index}: the event is not JSON", event_id) from None
    canonical = json.dumps(event, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
    if raw != canonical or event.get("event") != event_id or event.get("site") != site:
        raise _fail(site, f"leaf {index}: the event is not the canonical record of this event and site", event_id)
    digest = merkle.leaf_hash(raw)
    if digest.hex() != document.get("leaf_hash"):
        raise _fail(site, f"does not match its leaf {index}: changed after it was logged", event_id)
    return digest


def export_verify(lines: Iterable[str], keys: list[Ed25519PublicKey]) -> Summary:
    """Verify an export read line by line; raise VerifyFailed naming the first problem."""
    documents = _documents(lines)
    header = next(documents, None)
    if header is None or header.get("type") != "header" or header.get("format") != FORMAT:
        raise VerifyFailed(f"the export does not start with an {FORMAT} header")
    site = str(header.get("site"))
    notes: list[dict[str, Any]] = []
    builder, roots, pending = merkle.TreeBuilder(), None, 0
    position = 0
    for document in documents:
        kind = document.get("type")
        if kind == "checkpoint":
            notes.append(document)
        elif kind == "leaf":
            if roots is None:
                roots, position = _checkpoint_roots(header, notes, keys), 0
            builder.append(_leaf_digest(site, document, builder.size))
            while position < len(roots) and roots[position][0] == builder.size:
                if builder.root() != roots[position][1]:
                    message = f"the signed root of checkpoint {builder.size} does not match the leaves up to here"
                    raise _fail(site, message, str(document.get("event_id")))
                position += 1
        elif kind == "pending":
            pending += 1
    if roots is None:
        roots, position = _checkpoint_roots(header, notes, keys), 0
    if not roots:
        # Leaves without a signed root prove nothing: anyone could have written them.
        raise _fail(site, "the export holds no signed checkpoint, so nothing in it is signed")
    if builder.size != header.get("size"):
        raise _fail(site, f"the export holds {builder.size} leaves but its header says {header.get('size')}")
    if position != len(roots):
        raise _fail(site, f"checkpoint {roots[position][0]} is beyond the exported leaves")
    return Summary(site=site, size=builder.size, checkpoints=len(roots), root=builder.root().hex(), pending=pending)


def _header(line: str) -> bool:
    """Return whether a first line is the header of an export (a bundle is one JSON document instead)."""
    try:
        document = json.loads(line)
    except json.JSONDecodeError:
        return False
    return isinstance(document, dict) and document.get("type") == "header"


def _verify_file(path: Path, keys: list[Ed25519PublicKey]) -> str:
    """Verify an export or a receipt bundle; return the line to print, raise VerifyFailed or BundleFailed."""
    with path.open(encoding="utf-8") as file:
        first = file.readline()
        if _header(first):
            summary = export_verify(itertools.chain([first], file), keys)
            return (
                f"site {summary.site}: {summary.size} leaves and {summary.checkpoints} checkpoints verified; "
                f"root {summary.root}; {summary.pending} events waiting for the log"
            )
        try:
            bundle = json.loads(first + file.read())
        except json.JSONDecodeError:
            raise VerifyFailed("the file is neither a ledger export nor a receipt bundle") from None
    return bundle_verify(bundle, keys).line()


def main(argv: list[str] | None = None) -> int:
    """Run the offline verifier; return the process exit code."""
    parser = argparse.ArgumentParser(prog="python -m ledger.verify", description=__doc__.splitlines()[0])
    parser.add_argument("export", type=Path, help="the file export_ledger wrote, or a receipt bundle")
    parser.add_argument(
        "--public-key", type=Path, action="append", required=True, help="PEM public key (repeat for retired keys)"
    )
    options = parser.parse_args(argv)
    try:
        keys = [key for path in options.public_key for key in public_keys_from_pem_bundle(path.read_text())]
        line = _verify_file(options.export, keys)
    except (OSError, ValueError) as exc:
        print(f"cannot read the input: {exc}", file=sys.stderr)
        return 2
    except (VerifyFailed, BundleFailed) as failed:
        print(str(failed), file=sys.stderr)
        return 1
    print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
