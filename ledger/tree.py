"""Reads of a site's stored Merkle tree: its size, subtree hashes, roots and proofs, in O(log n) rows."""

from functools import reduce
from operator import or_

from django.db.models import Max, Q

from ledger import merkle
from ledger.errors import LedgerIntegrityError
from ledger.merkle import Node
from ledger.models import Leaf
from ledger.models import Node as NodeRow


def tree_size(log_id: int) -> int:
    """Return how many leaves a log holds."""
    last = Leaf.objects.filter(log_id=log_id).aggregate(last=Max("index"))["last"]
    return 0 if last is None else last + 1


def node_hashes(log_id: int, nodes: set[Node]) -> dict[Node, bytes]:
    """Return the stored hashes of complete subtrees (two queries at most); raise if one is missing."""
    found: dict[Node, bytes] = {}
    leaf_indices = [index for level, index in nodes if level == 0]
    if leaf_indices:
        rows = Leaf.objects.filter(log_id=log_id, index__in=leaf_indices).values_list("index", "hash")
        found.update(((0, index), bytes(digest)) for index, digest in rows)
    by_level: dict[int, list[int]] = {}
    for level, index in nodes:
        if level > 0:
            by_level.setdefault(level, []).append(index)
    if by_level:
        where = reduce(or_, (Q(level=level, index__in=indices) for level, indices in by_level.items()))
        rows = NodeRow.objects.filter(where, log_id=log_id).values_list("level", "index", "hash")
        found.update(((level, index), bytes(digest)) for level, index, digest in rows)
    missing = nodes - found.keys()
    if missing:
        raise LedgerIntegrityError(f"the log lacks stored subtrees {sorted(missing)}")
    return found


def root_at(log_id: int, size: int) -> bytes:
    """Return the root hash of a log's first `size` leaves."""
    if size == 0:
        return merkle.EMPTY_ROOT
    plan = merkle.root_plan(size)
    hashes = node_hashes(log_id, set(plan))
    return merkle.fold([hashes[node] for node in plan])


def frontier(log_id: int, size: int) -> list[bytes]:
    """Return the hashes of the complete subtrees at the right edge of a log of `size` leaves."""
    plan = merkle.root_plan(size)
    hashes = node_hashes(log_id, set(plan))
    return [hashes[node] for node in plan]


def inclusion_proof(log_id: int, index: int, size: int) -> list[bytes]:
    """Return the RFC 9162 inclusion proof of leaf `index` in the log's first `size` leaves."""
    plan = merkle.inclusion_plan(index, size)
    return merkle.plan_resolve(plan, node_hashes(log_id, merkle.plan_nodes(plan)))


def consistency_proof(log_id: int, size1: int, size2: int) -> list[bytes]:
    """Return the RFC 9162 consistency proof between two sizes of a log."""
    if size1 == size2:
        return []
    plan = merkle.consistency_plan(size1, size2)
    return merkle.plan_resolve(plan, node_hashes(log_id, merkle.plan_nodes(plan)))
