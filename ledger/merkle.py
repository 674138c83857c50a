"""RFC 9162 Merkle tree hashing, proof plans and proof verification (standard library only).

A tree is addressed by complete subtrees: `(level, index)` covers leaves `[index << level, (index + 1) << level)`.
Level 0 is a leaf. The log stores every complete subtree once and never changes it, so a proof is a
*plan* (which stored subtrees to read) followed by a few hash operations.
"""

from collections.abc import Callable, Iterable, Mapping, Sequence
from hashlib import sha256

HASH_SIZE = 32
EMPTY_ROOT = sha256(b"").digest()

Node = tuple[int, int]
"""A complete subtree: (level, index)."""

Plan = list[list[Node]]
"""A proof plan: each element is hashed from these complete subtrees, left to right (see `fold`)."""


def leaf_hash(data: bytes) -> bytes:
    """Return the RFC 9162 hash of one leaf."""
    return sha256(b"\x00" + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """Return the RFC 9162 hash of an interior node."""
    return sha256(b"\x01" + left + right).digest()


def _split(size: int) -> int:
    """Return the largest power of two strictly smaller than size (size > 1)."""
    return 1 << ((size - 1).bit_length() - 1)


def range_nodes(begin: int, end: int) -> list[Node]:
    """Return the complete subtrees, left to right, whose right fold is the hash of leaves [begin, end).

    `begin` must be aligned the way RFC 9162 splits trees (it always is for the ranges proofs need).
    """
    nodes: list[Node] = []
    while begin < end:
        level = (end - begin).bit_length() - 1
        nodes.append((level, begin >> level))
        begin += 1 << level
    return nodes


def fold(hashes: Sequence[bytes]) -> bytes:
    """Return the hash of a range from its complete subtrees, left to right (the last is the smallest)."""
    result = hashes[-1]
    for left in reversed(hashes[:-1]):
        result = node_hash(left, result)
    return result


def root_plan(size: int) -> list[Node]:
    """Return the complete subtrees the root of a tree of this size folds from."""
    return range_nodes(0, size)


def inclusion_plan(index: int, size: int) -> Plan:
    """Return the plan of the RFC 9162 inclusion proof of leaf `index` in a tree of `size` leaves."""
    if not 0 <= index < size:
        raise ValueError(f"leaf {index} is not in a tree of size {size}")
    plan: Plan = []
    begin, end = 0, size
    while end - begin > 1:
        k = _split(end - begin)
        if index < begin + k:
            plan.append(range_nodes(begin + k, end))
            end = begin + k
        else:
            plan.append(range_nodes(begin, begin + k))
            begin += k
    plan.reverse()
    return plan


def consistency_plan(size1: int, size2: int) -> Plan:
    """Return the plan of the RFC 9162 consistency proof between two tree sizes."""
    if not 0 < size1 <= size2:
        raise ValueError(f"no consistency proof from size {size1} to size {size2}")
    plan: Plan = []
    begin, end, m, whole = 0, size2, size1, True
    while m != end - begin:
        k = _split(end - begin)
        if m <= k:
            plan.append(range_nodes(begin + k, end))
            end = begin + k
        else:
            plan.append(range_nodes(begin, begin + k))
            begin, m, whole = begin + k, m - k, False
    if not whole:
        plan.append(range_nodes(begin, end))
    plan.reverse()
    return plan


def plan_nodes(plan: Iterable[Iterable[Node]]) -> set[Node]:
    """Return every complete subtree a plan reads."""
    return {node for element in plan for node in element}


def plan_resolve(plan: Plan, hashes: Mapping[Node, bytes]) -> list[bytes]:
    """Return the proof hashes of a plan given the hashes of the subtrees it reads."""
    return [fold([hashes[node] for node in element]) for element in plan]


def verify_inclusion(index: int, size: int, leaf: bytes, proof: Sequence[bytes], root: bytes) -> bool:
    """Return whether `proof` shows `leaf` at `index` in the tree of `size` leaves with `root` (RFC 9162 2.1.3.2)."""
    if not 0 <= index < size or any(len(p) != HASH_SIZE for p in (leaf, root, *proof)):
        return False
    fn, sn, r = index, size - 1, leaf
    for p in proof:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            while not fn & 1 and fn != 0:
                fn, sn = fn >> 1, sn >> 1
        else:
            r = node_hash(r, p)
        fn, sn = fn >> 1, sn >> 1
    return sn == 0 and r == root


def verify_consistency(size1: int, size2: int, root1: bytes, root2: bytes, proof: Sequence[bytes]) -> bool:
    """Return whether `proof` shows the tree (size2, root2) extends the tree (size1, root1) (RFC 9162 2.1.4.2)."""
    if size1 == size2 and size1 > 0:
        return not proof and root1 == root2
    # A proof from the empty tree proves nothing, so it is never accepted.
    if not 0 < size1 < size2 or not proof or any(len(p) != HASH_SIZE for p in proof):
        return False
    path = list(proof)
    if size1 & (size1 - 1) == 0:
        path.insert(0, root1)
    fn, sn = size1 - 1, size2 - 1
    while fn & 1:
        fn, sn = fn >> 1, sn >> 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr, sr = node_hash(c, fr), node_hash(c, sr)
            while not fn & 1 and fn != 0:
                fn, sn = fn >> 1, sn >> 1
        else:
            sr = node_hash(sr, c)
        fn, sn = fn >> 1, sn >> 1
    return sn == 0 and fr == root1 and sr == root2


class TreeBuilder:
    """Append leaf hashes to a tree and report each complete subtree as it closes.

    Holds only the right edge of the tree (at most one subtree per level), so it streams any size.
    """

    def __init__(self, size: int = 0, frontier: Sequence[bytes] = ()) -> None:
        """Start from a tree of `size` leaves whose `root_plan(size)` subtrees hash to `frontier`."""
        if len(frontier) != size.bit_count():
            raise ValueError(f"a tree of size {size} has {size.bit_count()} frontier subtrees, not {len(frontier)}")
        self.size = size
        self._stack = list(frontier)

    def append(self, leaf: bytes, on_node: Callable[[int, int, bytes], None] | None = None) -> None:
        """Add one leaf hash; call on_node(level, index, hash) for every interior subtree it completes."""
        index, level, current = self.size, 0, leaf
        while index & 1:
            current = node_hash(self._stack.pop(), current)
            level, index = level + 1, index >> 1
            if on_node is not None:
                on_node(level, index, current)
        self._stack.append(current)
        self.size += 1

    def root(self) -> bytes:
        """Return the root hash of the tree so far."""
        return fold(self._stack) if self._stack else EMPTY_ROOT
