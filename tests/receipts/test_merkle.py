"""The Merkle tree against an independent transcription of RFC 9162's definitions, and the
receipt codes that salt its leaves. No database: this is what a third party runs."""

from __future__ import annotations

import hashlib
import io
import random

import pytest

from petition_service.receipts import merkle
from petition_service.receipts.codes import (
    format_receipt_code,
    new_receipt_code,
    normalise_receipt_code,
)


def _mth(leaves: list[bytes]) -> bytes:
    """RFC 9162 2.1.1: MTH(D[n]), recursively, on leaf hashes."""
    if len(leaves) == 1:
        return leaves[0]
    k = 1
    while k * 2 < len(leaves):
        k *= 2
    return hashlib.sha256(b"\x01" + _mth(leaves[:k]) + _mth(leaves[k:])).digest()


def _path(index: int, leaves: list[bytes]) -> list[bytes]:
    """RFC 9162 2.1.3.1: PATH(m, D[n])."""
    if len(leaves) == 1:
        return []
    k = 1
    while k * 2 < len(leaves):
        k *= 2
    if index < k:
        return _path(index, leaves[:k]) + [_mth(leaves[k:])]
    return _path(index - k, leaves[k:]) + [_mth(leaves[:k])]


def _leaves(count: int, seed: int = 0) -> list[bytes]:
    rng = random.Random(seed)
    return [rng.randbytes(32) for _ in range(count)]


def test_leaf_and_node_hashing_are_as_documented():
    line = "17\tTrần Thị Nga\tHà Nội\tVN\t2024-03-01\n"
    code = "7K2MQ9XD4RTV8BCN"
    assert (
        merkle.leaf_hash(code, line)
        == hashlib.sha256(b"\x00" + code.encode() + b"\t" + line.encode("utf-8")).digest()
    )
    left, right = b"L" * 32, b"R" * 32
    assert merkle.node_hash(left, right) == hashlib.sha256(b"\x01" + left + right).digest()


@pytest.mark.parametrize("size", [*range(1, 40), 64, 65, 100, 257])
def test_root_and_every_path_match_the_rfc_definitions(size):
    leaves = _leaves(size, seed=size)
    tree = merkle.MerkleTree.from_leaves(leaves)
    assert tree.root == _mth(leaves)
    stored = io.BytesIO(tree.to_bytes())
    for index in range(size):
        path = tree.audit_path(index)
        assert path == _path(index, leaves)
        assert merkle.stored_audit_path(stored, index) == (size, path)
        assert merkle.find_leaf(stored, leaves[index]) == index
        assert merkle.root_from_audit_path(leaves[index], index, size, path) == tree.root


def test_a_changed_leaf_index_size_or_sibling_does_not_lead_to_the_root():
    leaves = _leaves(23)
    tree = merkle.MerkleTree.from_leaves(leaves)
    path = tree.audit_path(9)
    assert merkle.root_from_audit_path(leaves[9], 9, 23, path) == tree.root
    assert merkle.root_from_audit_path(leaves[8], 9, 23, path) != tree.root
    assert merkle.root_from_audit_path(leaves[9], 8, 23, path) != tree.root
    assert merkle.root_from_audit_path(leaves[9], 9, 12, path) != tree.root
    assert merkle.root_from_audit_path(leaves[9], 9, 23, path[:-1]) != tree.root
    bent = [path[0][:-1] + bytes([path[0][-1] ^ 1]), *path[1:]]
    assert merkle.root_from_audit_path(leaves[9], 9, 23, bent) != tree.root
    assert merkle.root_from_audit_path(leaves[9], 23, 23, path) is None
    assert merkle.find_leaf(io.BytesIO(tree.to_bytes()), b"\x00" * 32) is None


def test_a_leaf_found_only_at_a_hash_boundary():
    # A leaf's bytes straddling two stored hashes must not count as that leaf.
    leaves = _leaves(4)
    straddling = leaves[1][16:] + leaves[2][:16]
    assert (
        merkle.find_leaf(io.BytesIO(merkle.MerkleTree.from_leaves(leaves).to_bytes()), straddling)
        is None
    )


def _proof(lines: list[str], codes: list[str], index: int) -> dict:
    tree = merkle.MerkleTree.from_leaves(
        merkle.leaf_hash(code, line) for code, line in zip(codes, lines, strict=True)
    )
    return {
        "receipt_code": codes[index],
        "line": lines[index],
        "leaf_index": index,
        "tree_size": len(lines),
        "audit_path": [node.hex() for node in tree.audit_path(index)],
        "merkle_root": tree.root.hex(),
    }


def test_a_signers_proof_verifies_and_fails_for_a_changed_line_or_code():
    lines = [f"{n}\tSigner {n}\tHuế\tVN\t2024-03-01\n" for n in range(1, 12)]
    codes = [new_receipt_code() for _ in lines]
    proof = _proof(lines, codes, 6)
    assert merkle.verify_proof(proof)
    manifest = {"merkle_root": proof["merkle_root"], "signature_count": 11}
    assert merkle.verify_proof(proof, manifest)
    assert not merkle.verify_proof(proof, {**manifest, "merkle_root": "0" * 64})
    # The tree's size is the manifest's count: a proof may not claim another.
    assert not merkle.verify_proof(proof, {**manifest, "signature_count": 12})
    assert not merkle.verify_proof({**proof, "line": lines[6].replace("Signer 7", "Signer 8")})
    assert not merkle.verify_proof({**proof, "receipt_code": codes[5]})
    assert not merkle.verify_proof({**proof, "audit_path": ["zz"]})
    assert not merkle.verify_proof({"line": lines[6]})


def test_receipt_codes_are_random_and_read_back_forgivingly():
    codes = {new_receipt_code() for _ in range(200)}
    assert len(codes) == 200
    code = next(iter(codes))
    shown = format_receipt_code(code)
    assert len(shown) == 19 and shown.count("-") == 3
    assert normalise_receipt_code(shown) == code
    assert normalise_receipt_code(" " + shown.lower() + " ") == code
    assert normalise_receipt_code("O0IL-1111-2222-3333") == "0011111122223333"
    assert normalise_receipt_code("too short") is None
    assert normalise_receipt_code("UUUU-UUUU-UUUU-UUUU") is None  # U is not in the alphabet
