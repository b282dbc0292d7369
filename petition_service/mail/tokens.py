"""Signed links for the confirmation mail: one token to confirm, another to withdraw.

The token itself is the secret (the signer may open the mail in a browser with no session),
so each purpose has its own salt: a withdraw token can never be replayed as a confirm token
or the other way round. A token names the signature by id *and* by its creation second,
because SQLite may reuse the id of a deleted (purged) row for a later signature, and an old
link must never act on someone else's signature.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Final

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from ..extensions import db
from ..signatures.models import Signature

CONFIRM_SALT: Final = "signature-confirm"
WITHDRAW_SALT: Final = "signature-withdraw"
# A confirmation is wanted soon; an unconfirmed signature is purged well before this anyway.
CONFIRM_MAX_AGE = timedelta(days=7)
# A signer must be able to withdraw for as long as the signature is kept.
WITHDRAW_MAX_AGE = timedelta(days=3650)


class LinkError(Exception):
    """A confirm or withdraw link that cannot be used; `reason` picks the page shown."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def _serializer(salt: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=salt)


def _payload(signature: Signature) -> list[int]:
    return [signature.id, int(signature.created_at.timestamp())]


def make_confirm_token(signature: Signature) -> str:
    return str(_serializer(CONFIRM_SALT).dumps(_payload(signature)))


def make_withdraw_token(signature: Signature) -> str:
    return str(_serializer(WITHDRAW_SALT).dumps(_payload(signature)))


def _read(token: str, salt: str, max_age: timedelta) -> tuple[int, int]:
    try:
        payload = _serializer(salt).loads(token, max_age=int(max_age.total_seconds()))
    except SignatureExpired as exc:
        raise LinkError("expired") from exc
    except BadSignature as exc:
        raise LinkError("invalid") from exc
    if (
        not isinstance(payload, list)
        or len(payload) != 2
        or not all(isinstance(part, int) for part in payload)
    ):
        raise LinkError("invalid")
    return payload[0], payload[1]


def read_confirm_token(token: str) -> tuple[int, int]:
    """(signature id, creation second) from a confirm token; LinkError if forged or expired."""
    return _read(token, CONFIRM_SALT, CONFIRM_MAX_AGE)


def read_withdraw_token(token: str) -> tuple[int, int]:
    """(signature id, creation second) from a withdraw token; LinkError if forged or expired."""
    return _read(token, WITHDRAW_SALT, WITHDRAW_MAX_AGE)


def _signature_for(signature_id: int, created_second: int) -> Signature:
    signature = db.session.get(Signature, signature_id)
    if signature is None or int(signature.created_at.timestamp()) != created_second:
        # Purged (and on SQLite perhaps its id reused): the link's signature is gone.
        raise LinkError("not_found")
    return signature


def signature_for_confirm_token(token: str) -> Signature:
    """The signature a confirm link names; LinkError if forged, expired or gone."""
    return _signature_for(*read_confirm_token(token))


def signature_for_withdraw_token(token: str) -> Signature:
    """The signature a withdraw link names; LinkError if forged, expired or gone."""
    return _signature_for(*read_withdraw_token(token))
