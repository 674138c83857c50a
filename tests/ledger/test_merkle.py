"""The Merkle code against the reference vectors and an exhaustive check of small trees."""

import base64
import json
from pathlib import Path
from typing import Any

import pytest

from ledger import merkle

# The project keeps its own copy of the reference vectors: nothing a test reads lies outside the repository.
VECTORS = Path(__file__).resolve().parent / "vectors"
REPO = Path(__file__).resolve().parents[2]


def _b64(value: str | None) -> bytes:
    return base64.b64decode(value or "")


def _cases(kind: str) -> list[tuple[str, dict[str, Any]]]:
    if not VECTORS.is_dir():
        pytest.fail(f"the Merkle test vectors are missing: expected them in {VECTORS}")
    files = sorted((VECTORS / kind).rglob("*.json"))
    assert files, f"no {kind} vectors in {VECTORS}"
    return [(str(path.relative_to(VECTORS)), json.loads(path.read_text())) for path in files]


def _reference_root(leaves: list[bytes]) -> bytes:
    """Return the RFC 9162 MTH straight from its recursive definition."""
    if not leaves:
        return merkle.EMPTY_ROOT
    if len(leaves) == 1:
        return merkle.leaf_hash(leaves[0])
    k = 1 << ((len(leaves) - 1).bit_length() - 1)
    return merkle.node_hash(_reference_root(leaves[:k]), _reference_root(leaves[k:]))


def test_the_vectors_live_inside_the_repository_with_their_license() -> None:
    assert VECTORS.is_relative_to(REPO)
    assert (VECTORS / "README.md").is_file()
    assert "Apache License" in (VECTORS / "LICENSE").read_text()


@pytest.mark.parametrize(
    ("name", "case"), _cases("inclusion"), ids=lambda value: value if isinstance(value, str) else ""
)
def test_it_accepts_every_happy_inclusion_vector_and_rejects_every_corrupted_one(
    name: str, case: dict[str, Any]
) -> None:
    proof = [_b64(item) for item in case["proof"] or []]
    verified = merkle.verify_inclusion(
        case["leafIdx"], case["treeSize"], _b64(case["leafHash"]), proof, _b64(case["root"])
    )
    assert verified is not case["wantErr"], name


@pytest.mark.parametrize(
    ("name", "case"), _cases("consistency"), ids=lambda value: value if isinstance(value, str) else ""
)
def test_it_accepts_every_happy_consistency_vector_and_rejects_every_corrupted_one(
    name: str, case: dict[str, Any]
) -> None:
    proof = [_b64(item) for item in case["proof"] or []]
    verified = merkle.verify_consistency(case["size1"], case["size2"], _b64(case["root1"]), _b64(case["root2"]), proof)
    assert verified is not case["wantErr"], name


def test_it_builds_the_reference_roots_and_leaf_hashes() -> None:
    roots = json.loads((VECTORS / "roots.json").read_text())
    leaves = [bytes.fromhex(item) for item in roots["leavesHex"]]
    assert [merkle.leaf_hash(leaf) for leaf in leaves] == [_b64(item) for item in roots["leafHashes"]]
    builder = merkle.TreeBuilder()
    built = [builder.root()]
    for leaf in leaves:
        builder.append(merkle.leaf_hash(leaf))
        built.append(builder.root())
    assert built == [_b64(item["root"]) for item in sorted(roots["roots"], key=lambda item: item["treeSize"])]


def _small_tree(size: int) -> tuple[dict[merkle.Node, bytes], list[bytes], list[bytes]]:
    """Return every complete subtree, the leaf hashes and the root at every size, built incrementally."""
    nodes: dict[merkle.Node, bytes] = {}
    builder = merkle.TreeBuilder()
    roots = [builder.root()]
    leaves = []

    def keep(level: int, index: int, digest: bytes) -> None:
        nodes[level, index] = digest

    for position in range(size):
        leaf = merkle.leaf_hash(position.to_bytes(2, "big"))
        leaves.append(leaf)
        nodes[0, position] = leaf
        builder.append(leaf, keep)
        roots.append(builder.root())
    return nodes, leaves, roots


def _flipped(proof: list[bytes], position: int) -> list[bytes]:
    changed = list(proof)
    changed[position] = bytes([changed[position][0] ^ 1]) + changed[position][1:]
    return changed


def test_its_incremental_roots_equal_the_recursive_definition_up_to_64_leaves() -> None:
    _, _, roots = _small_tree(64)
    raw = [position.to_bytes(2, "big") for position in range(64)]
    assert roots == [_reference_root(raw[:size]) for size in range(65)]


def test_every_consistency_proof_up_to_64_leaves_verifies_and_no_altered_one_does() -> None:
    nodes, _, roots = _small_tree(64)
    for size2 in range(1, 65):
        for size1 in range(1, size2 + 1):
            plan = merkle.consistency_plan(size1, size2)
            proof = merkle.plan_resolve(plan, nodes)
            assert merkle.verify_consistency(size1, size2, roots[size1], roots[size2], proof), (size1, size2)
            if size1 == size2:
                continue
            assert not merkle.verify_consistency(size1, size2, roots[size2], roots[size1], proof)
            assert not merkle.verify_consistency(size1, size2, roots[size1], roots[size2], proof[:-1])
            for position in range(len(proof)):
                assert not merkle.verify_consistency(
                    size1, size2, roots[size1], roots[size2], _flipped(proof, position)
                ), (size1, size2, position)


def test_every_inclusion_proof_up_to_64_leaves_verifies_and_no_altered_one_does() -> None:
    nodes, leaves, roots = _small_tree(64)
    for size in range(1, 65):
        for index in range(size):
            proof = merkle.plan_resolve(merkle.inclusion_plan(index, size), nodes)
            assert merkle.verify_inclusion(index, size, leaves[index], proof, roots[size]), (index, size)
            assert not merkle.verify_inclusion(index, size, leaves[index], [*proof, roots[size]], roots[size])
            if size > 1:
                assert not merkle.verify_inclusion((index + 1) % size, size, leaves[index], proof, roots[size])
            for position in range(len(proof)):
                assert not merkle.verify_inclusion(index, size, leaves[index], _flipped(proof, position), roots[size])


def test_a_proof_at_a_million_leaves_reads_at_most_forty_subtrees() -> None:
    for index in (0, 1, 524_287, 999_999):
        plan = merkle.inclusion_plan(index, 1_000_000)
        assert len(plan) <= 20
        assert len(merkle.plan_nodes(plan)) <= 40


def test_the_root_plan_of_a_tree_folds_its_stored_subtrees() -> None:
    nodes, _, roots = _small_tree(64)
    for size in range(1, 65):
        assert merkle.fold([nodes[node] for node in merkle.root_plan(size)]) == roots[size]
