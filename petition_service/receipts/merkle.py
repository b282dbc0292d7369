"""The Merkle tree over a batch's canonical lines: one root in `manifest.json`, and for each
signer a short proof that their line is under it, checkable with no database.

Hashing (SHA-256 throughout; the tree is the one of RFC 9162, section 2.1, Certificate
Transparency's, so its published verification algorithm applies unchanged):

- leaf  = SHA-256(0x00 || receipt code || 0x09 || canonical line)
  where the receipt code is the signer's 16 ASCII characters (their private salt: without
  it, nobody can test a guessed name against the published hashes) and the canonical line
  is the UTF-8 line of `signatures_sha256`, its final LF included;
- node  = SHA-256(0x01 || left || right)
- leaves in the order of the canonical list (ascending signature id); a tree of n > 1
  leaves is node(tree of the first k, tree of the rest), k the largest power of two below
  n. Built bottom-up, that is: pair neighbours level by level, and carry a level's last
  node up unpaired when the level has an odd count.

This module needs only the standard library, so a third party can run it alone:

    python -m petition_service.receipts.merkle proof.json [manifest.json]

checks a signer's proof (and, given the batch's manifest, that its root and size are the
manifest's `merkle_root` and `signature_count`).
"""

from __future__ import annotations

import hashlib
import json
import sys
from collections.abc import Iterable, Sequence
from typing import IO, Any

HASH_SIZE = 32
LEAF_PREFIX = b"\x00"
NODE_PREFIX = b"\x01"
PROOF_VERSION = 1
# The stored tree: this header, the leaf count (8 bytes, big-endian), then every level from
# the leaves up to the root, each a run of 32-byte hashes.
_MAGIC = b"PSMERKL1"
_HEADER = len(_MAGIC) + 8


def leaf_hash(salt: str, line: str) -> bytes:
    return hashlib.sha256(
        LEAF_PREFIX + salt.encode("ascii") + b"\t" + line.encode("utf-8")
    ).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(NODE_PREFIX + left + right).digest()


def _level_sizes(size: int) -> list[int]:
    sizes = [size]
    while sizes[-1] > 1:
        sizes.append((sizes[-1] + 1) // 2)
    return sizes


def _next_level(level: bytes) -> bytes:
    count = len(level) // HASH_SIZE
    parents = bytearray()
    for i in range(0, count - 1, 2):
        start = i * HASH_SIZE
        parents += node_hash(
            level[start : start + HASH_SIZE], level[start + HASH_SIZE : start + 2 * HASH_SIZE]
        )
    if count % 2:
        parents += level[-HASH_SIZE:]
    return bytes(parents)


class MerkleTree:
    """Every level of the tree, leaves first, kept as flat bytes (32 per node)."""

    def __init__(self, leaves: bytes) -> None:
        if len(leaves) % HASH_SIZE:
            raise ValueError("leaves must be a whole number of 32-byte hashes")
        self.levels = [bytes(leaves)]
        while len(self.levels[-1]) > HASH_SIZE:
            self.levels.append(_next_level(self.levels[-1]))

    @classmethod
    def from_leaves(cls, leaves: Iterable[bytes]) -> MerkleTree:
        return cls(b"".join(leaves))

    @property
    def size(self) -> int:
        return len(self.levels[0]) // HASH_SIZE

    @property
    def root(self) -> bytes:
        # The empty tree's root is the hash of nothing (RFC 9162); a batch is never empty.
        return self.levels[-1] if self.size else hashlib.sha256(b"").digest()

    def audit_path(self, index: int) -> list[bytes]:
        if not 0 <= index < self.size:
            raise IndexError(index)
        path = []
        for level in self.levels[:-1]:
            sibling = index - 1 if index % 2 else index + 1
            if sibling * HASH_SIZE < len(level):
                path.append(level[sibling * HASH_SIZE : (sibling + 1) * HASH_SIZE])
            index //= 2
        return path

    def to_bytes(self) -> bytes:
        return _MAGIC + self.size.to_bytes(8, "big") + b"".join(self.levels)


def find_leaf(handle: IO[bytes], leaf: bytes) -> int | None:
    """The index of `leaf` in a stored tree, read in chunks; None when it is not a leaf."""
    size = _read_size(handle)
    chunk_leaves = 4096
    for first in range(0, size, chunk_leaves):
        handle.seek(_HEADER + first * HASH_SIZE)
        chunk = handle.read(min(chunk_leaves, size - first) * HASH_SIZE)
        position = chunk.find(leaf)
        while position != -1:
            if position % HASH_SIZE == 0:
                return first + position // HASH_SIZE
            position = chunk.find(leaf, position + 1)
    return None


def stored_audit_path(handle: IO[bytes], index: int) -> tuple[int, list[bytes]]:
    """(tree size, audit path of leaf `index`) from a stored tree: one read per level."""
    size = _read_size(handle)
    if not 0 <= index < size:
        raise IndexError(index)
    path, offset = [], _HEADER
    for count in _level_sizes(size)[:-1]:
        sibling = index - 1 if index % 2 else index + 1
        if sibling < count:
            handle.seek(offset + sibling * HASH_SIZE)
            path.append(handle.read(HASH_SIZE))
        offset += count * HASH_SIZE
        index //= 2
    return size, path


def _read_size(handle: IO[bytes]) -> int:
    handle.seek(0)
    header = handle.read(_HEADER)
    if len(header) != _HEADER or not header.startswith(_MAGIC):
        raise ValueError("not a stored Merkle tree")
    return int.from_bytes(header[len(_MAGIC) :], "big")


def root_from_audit_path(leaf: bytes, index: int, size: int, path: Sequence[bytes]) -> bytes | None:
    """The root that `path` leads to from `leaf` at `index` of a tree of `size` leaves,
    or None when the path cannot belong to such a tree (RFC 9162, section 2.1.3.2)."""
    if not 0 <= index < size:
        return None
    fn, sn, result = index, size - 1, leaf
    for sibling in path:
        if sn == 0:
            return None
        if fn & 1 or fn == sn:
            result = node_hash(sibling, result)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            result = node_hash(result, sibling)
        fn >>= 1
        sn >>= 1
    return result if sn == 0 else None


def verify_proof(proof: dict[str, Any], manifest: dict[str, Any] | None = None) -> bool:
    """Whether a signer's proof (the JSON the receipt page gives) is sound: its line and
    receipt code hash to a leaf that its audit path leads up to its root. Given the batch's
    `manifest.json`, that root must also be the manifest's `merkle_root`, and the tree's size
    its `signature_count` (a path alone cannot tell a tree of 23 leaves from one of 24)."""
    try:
        size = int(proof["tree_size"])
        leaf = leaf_hash(proof["receipt_code"], proof["line"])
        path = [bytes.fromhex(node) for node in proof["audit_path"]]
        root = root_from_audit_path(leaf, int(proof["leaf_index"]), size, path)
        claimed = proof["merkle_root"]
    except (KeyError, TypeError, ValueError, UnicodeEncodeError):
        return False
    if root is None or root.hex() != claimed:
        return False
    if manifest is None:
        return True
    return manifest.get("merkle_root") == claimed and manifest.get("signature_count") == size


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if not 1 <= len(args) <= 2:
        print("usage: python -m petition_service.receipts.merkle proof.json [manifest.json]")
        return 2
    with open(args[0], encoding="utf-8") as handle:
        proof = json.load(handle)
    manifest = None
    if len(args) == 2:
        with open(args[1], encoding="utf-8") as handle:
            manifest = json.load(handle)
    if verify_proof(proof, manifest):
        where = "the manifest's root" if manifest else "the root in the proof"
        print(f"valid: line {proof['leaf_index'] + 1} of {proof['tree_size']} is under {where}")
        return 0
    print("NOT valid: this proof does not lead to the root")
    return 1


if __name__ == "__main__":
    raise SystemExit(main())
