"""A signer's private receipt code and a batch's unguessable receipt token.

The receipt code is made when the signature is recorded (a column default), shown to the
signer in the confirmation mail and on the confirmed page, and salts the signer's leaf in
their batch's Merkle tree: without it, nobody can test a guessed name against the tree.
It is 16 characters of Crockford's base32 (80 random bits), shown in groups of four, and
read back forgivingly (case, spaces, dashes, O for 0, I or L for 1).
"""

from __future__ import annotations

import re
import secrets

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford: no I, L, O, U
CODE_LENGTH = 16
_CANONICAL = re.compile(rf"[{ALPHABET}]{{{CODE_LENGTH}}}")
_READ_AS = str.maketrans({"O": "0", "I": "1", "L": "1"})


def new_receipt_code() -> str:
    # 80 random bits, five to a character: one call for randomness instead of sixteen (this
    # runs on every signature).
    bits = int.from_bytes(secrets.token_bytes(CODE_LENGTH * 5 // 8))
    return "".join(ALPHABET[(bits >> shift) & 31] for shift in range(0, CODE_LENGTH * 5, 5))


def normalise_receipt_code(text: str) -> str | None:
    """The stored form of a code as a person typed it, or None if it cannot be one."""
    cleaned = re.sub(r"[\s\-]", "", (text or "").upper()).translate(_READ_AS)
    return cleaned if _CANONICAL.fullmatch(cleaned) else None


def format_receipt_code(code: str | None) -> str:
    """XXXX-XXXX-XXXX-XXXX, easier to copy by hand."""
    if not code:
        return ""
    return "-".join(code[i : i + 4] for i in range(0, len(code), 4))


def new_receipt_token() -> str:
    """A batch's receipt URL token: 128 random bits, nothing derived from the batch id."""
    return secrets.token_urlsafe(16)
