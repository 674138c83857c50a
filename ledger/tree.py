"""Reads of a site's stored Merkle tree: its size, subtree hashes, roots and proofs, in O(log n) rows."""

from django.db import connection
from django.db.models import Max

from ledger import merkle
from ledger.errors import LedgerIntegrityError
from ledger.merkle import Node
from ledger.models import Leaf


def tree_size(log_id: int) -> int:
    """Return how many leaves a log holds."""
    last = Leaf.objects.filter(log_id=log_id).aggregate(last=Max("index"))["last"]
    return 0 if last is None else last + 1


# Only runs of "%s" placeholders are formatted into these; every value is a parameter.
_LEAVES_SQL = 'SELECT 0, "index", hash FROM ledger_leaf WHERE log_id = %s AND "index" IN ({marks})'
_NODES_SQL = 'SELECT level, "index", hash FROM ledger_node WHERE log_id = %s AND ({levels})'


def node_hashes(log_id: int, nodes: set[Node]) -> dict[Node, bytes]:
    """Return the stored hashes of complete subtrees in one query; raise if one is missing."""
    leaf_indices = sorted(index for level, index in nodes if level == 0)
    inner = sorted((level, index) for level, index in nodes if level > 0)
    parts: list[str] = []
    params: list[int] = []
    if leaf_indices:
        parts.append(_LEAVES_SQL.format(marks=", ".join(["%s"] * len(leaf_indices))))
        params += [log_id, *leaf_indices]
    if inner:
        # One "level = ? AND index IN (...)" per level: both databases answer each from the unique
        # index, where SQLite would scan the table for a row-value IN (VALUES ...).
        by_level: dict[int, list[int]] = {}
        for level, index in inner:
            by_level.setdefault(level, []).append(index)
        levels = " OR ".join(
            f'(level = %s AND "index" IN ({", ".join(["%s"] * len(indices))}))' for indices in by_level.values()
        )
        parts.append(_NODES_SQL.format(levels=levels))
        params += [log_id]
        for level, indices in by_level.items():
            params += [level, *indices]
    found: dict[Node, bytes] = {}
    if parts:
        # Raw SQL: a proof is a few dozen lookups, and building them as ORM filters cost more than running them.
        with connection.cursor() as cursor:
            cursor.execute(" UNION ALL ".join(parts), params)
            found = {(level, index): bytes(digest) for level, index, digest in cursor.fetchall()}
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
