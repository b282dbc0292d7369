"""The proof of work a signature needs when a challenge is due (ALTCHA, verified offline).

`SIGN_CHALLENGE` says when: `off`; `surge` (the default): only while the petition or the
signer's network signs unusually fast (the thresholds in limits.py); `always`.

A challenge is an ALTCHA v1 challenge made by the `altcha` package: find the number n up to
`maxNumber` with SHA-256(salt + n) = challenge. The salt carries its expiry and the petition
it is for, and the whole is signed with an HMAC key derived from SECRET_KEY, so nothing is
stored when a challenge is handed out and any process can verify a solution. Each solution
signs once: its salt is remembered (as a keyed hash) in the rate-limit counters until the
challenge expires, in the same round trip that counts the limits (see limits.py).
"""

from __future__ import annotations

import base64
import binascii
import enum
import hashlib
import hmac
import json
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, cast

from altcha import ChallengeOptionsV1, create_challenge_v1, verify_solution_v1
from altcha.v1 import PayloadType
from flask import current_app
from flask_babel import lazy_gettext as _l

from ..types import utcnow

MODES = ("off", "surge", "always")
#: Longer than any payload a real solver sends (about 400 characters).
MAX_PAYLOAD_LENGTH = 2000


class ChallengeProblem(enum.Enum):
    MISSING = "missing"
    WRONG = "wrong"
    REUSED = "reused"


_MESSAGES = {
    ChallengeProblem.MISSING: _l(
        "Your browser has not finished a quick security check. Please wait a moment and send "
        "the form again."
    ),
    ChallengeProblem.WRONG: _l("The security check failed. Please send the form again."),
    ChallengeProblem.REUSED: _l(
        "This security check was already used. Please send the form again."
    ),
}


def problem_message(problem: ChallengeProblem) -> str:
    return str(_MESSAGES[problem])


def mode() -> str:
    return current_app.config["SIGN_CHALLENGE"]


def _hmac_key() -> bytes:
    # Derived, so the challenge key is never the session key itself.
    return hashlib.sha256(b"altcha-challenge:" + current_app.config["SECRET_KEY"].encode()).digest()


def lifetime() -> int:
    return int(current_app.config["SIGN_CHALLENGE_TTL_SECONDS"])


def create_challenge(scope_id: int) -> dict[str, Any]:
    """A fresh challenge for the petition (or other signing scope) `scope_id`, as ALTCHA's
    JSON: `algorithm`, `challenge`, `maxnumber` and `maxNumber`, `salt`, `signature`."""
    challenge = create_challenge_v1(
        ChallengeOptionsV1(
            hmac_key=_hmac_key(),
            max_number=int(current_app.config["SIGN_CHALLENGE_MAX_NUMBER"]),
            expires=utcnow() + timedelta(seconds=lifetime()),
            params={"p": str(scope_id)},
        )
    )
    body = challenge.to_dict()
    # The widget and older clients read `maxnumber`; the v1 payload spells it `maxNumber`.
    body["maxnumber"] = body["maxNumber"]
    return body


@dataclass(frozen=True)
class Solution:
    """A payload that is well formed (not yet verified) and the marker of its salt."""

    payload: dict[str, Any]
    marker: str


def parse_solution(raw: object) -> Solution | None:
    """The base64 JSON payload a client sent, if it has the shape of one; else None.

    Checked by hand before the library sees it: a payload is attacker-controlled JSON."""
    if not isinstance(raw, str) or not raw or len(raw) > MAX_PAYLOAD_LENGTH:
        return None
    try:
        payload = json.loads(base64.b64decode(raw, validate=True).decode("utf-8"))
    except (ValueError, binascii.Error, UnicodeDecodeError, RecursionError):
        return None
    if not isinstance(payload, dict):
        return None
    texts = ("algorithm", "challenge", "salt", "signature")
    if not all(isinstance(payload.get(name), str) for name in texts):
        return None
    number = payload.get("number")
    if not isinstance(number, int) or isinstance(number, bool) or number < 0:
        return None
    marker = hmac.new(_hmac_key(), payload["salt"].encode(), hashlib.sha256).hexdigest()[:32]
    return Solution(payload, marker)


def verify(solution: Solution | None, scope_id: int) -> ChallengeProblem | None:
    """None when `solution` solves an unexpired challenge we made for `scope_id`.

    Single use is checked separately, by the counters (`SignCount.solution_reused`)."""
    if solution is None:
        return ChallengeProblem.MISSING
    payload = solution.payload
    if payload["algorithm"] != "SHA-256":
        return ChallengeProblem.WRONG
    try:
        ok, _error = verify_solution_v1(cast(PayloadType, payload), _hmac_key(), check_expires=True)
    except (ValueError, TypeError):
        return ChallengeProblem.WRONG
    if not ok:
        return ChallengeProblem.WRONG
    salt = payload["salt"]
    params = salt.split("?", 1)[1] if "?" in salt else ""
    scopes = [value for name, _, value in (pair.partition("=") for pair in params.split("&"))
              if name == "p"]  # fmt: skip
    if scopes != [str(scope_id)]:
        return ChallengeProblem.WRONG
    return None
