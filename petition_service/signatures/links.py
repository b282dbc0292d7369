"""The links a signer's mail carries: confirm, withdraw, and correct how they appear.

Each link holds a random token (256 bits, URL-safe) and the database keeps only its SHA-256,
with the signature it acts on, its purpose and when it expires. So a token decodes to
nothing (no id, no time), a link of one purpose cannot be used for another, and someone who
reads the database or a backup cannot make a working link from it. A new token is made each
time a mail is written (the sender composes a mail once, off the signer's request), so the
sign path pays nothing for it.

A mail that signed several petitions at once (together.py) has one confirm link naming the
whole submission, and a withdraw and a correction link per signature.

How long a link works: confirm 7 days (the signature itself is purged unconfirmed after
PENDING_SIGNATURE_TTL_HOURS anyway); correct 30 days; withdraw as long as the signature keeps
its personal data (the retention sweep removes the links with that data; a withdrawn
signature's withdraw link keeps showing that it is withdrawn).
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlalchemy import delete, insert, select

from ..errors import DomainError
from ..extensions import db
from ..mail.links import public_url, signer_language
from ..types import affected_rows, utcnow
from .models import LinkPurpose, Signature, SignatureLink, Submission

LIFETIMES: dict[LinkPurpose, timedelta | None] = {
    LinkPurpose.CONFIRM: timedelta(days=7),
    LinkPurpose.CORRECT: timedelta(days=30),
    LinkPurpose.WITHDRAW: None,
}
ENDPOINTS = {
    LinkPurpose.CONFIRM: "signer.confirm",
    LinkPurpose.WITHDRAW: "signer.withdraw",
    LinkPurpose.CORRECT: "signer.correct",
}
TOKEN_BYTES = 32
# A token is 43 characters; anything much longer is not one of ours (and is not hashed).
MAX_TOKEN_LENGTH = 100


# Which status each unusable link gets: never a 500.
LINK_STATUS = {"invalid": 400, "expired": 400, "not_found": 404, "gone": 410, "delivered": 409}


class LinkError(DomainError):
    """A link that cannot be used; `reason` picks the page shown and the status."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason
        self.status = LINK_STATUS[reason]


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("ascii", "replace")).hexdigest()


def issue_link(
    signature_id: int | None,
    purpose: LinkPurpose,
    now: datetime | None = None,
    *,
    submission_id: int | None = None,
) -> str:
    """A new token for `purpose` on the signature (or on every signature of a submission),
    stored hashed; returns the token."""
    now = now or utcnow()
    token = secrets.token_urlsafe(TOKEN_BYTES)
    lifetime = LIFETIMES[purpose]
    db.session.execute(
        insert(SignatureLink).values(
            token_hash=token_hash(token),
            signature_id=signature_id,
            submission_id=submission_id,
            purpose=purpose,
            created_at=now,
            expires_at=now + lifetime if lifetime is not None else None,
        )
    )
    return token


def link_url(signature: Signature, purpose: LinkPurpose, now: datetime | None = None) -> str:
    """The absolute URL of a new link for the signature, in the language they signed in."""
    token = issue_link(signature.id, purpose, now)
    return public_url(ENDPOINTS[purpose], token=token, lang=signer_language(signature))


def submission_link_url(
    submission_id: int, purpose: LinkPurpose, language: str, now: datetime | None = None
) -> str:
    """The absolute URL of a new link acting on every signature of a submission."""
    token = issue_link(None, purpose, now, submission_id=submission_id)
    return public_url(ENDPOINTS[purpose], token=token, lang=language)


def link_for(token: str, purpose: LinkPurpose) -> SignatureLink:
    """The link a token is; LinkError when it is unknown, of another purpose or expired."""
    if not token or len(token) > MAX_TOKEN_LENGTH:
        raise LinkError("invalid")
    link = db.session.scalar(
        select(SignatureLink).where(SignatureLink.token_hash == token_hash(token))
    )
    if link is None or link.purpose is not purpose:
        raise LinkError("invalid")
    if link.expires_at is not None and link.expires_at <= utcnow():
        raise LinkError("expired")
    return link


def signature_for_link(token: str, purpose: LinkPurpose) -> Signature:
    """The signature a link names; LinkError when it is unknown, of another purpose, expired,
    or names a whole submission."""
    return signature_of(link_for(token, purpose))


def signature_of(link: SignatureLink) -> Signature:
    if link.signature_id is None:
        raise LinkError("invalid")
    signature = db.session.get(Signature, link.signature_id)
    if signature is None:  # pragma: no cover - the link goes with its signature (cascade)
        raise LinkError("not_found")
    return signature


def submission_for_link(link: SignatureLink) -> Submission:
    if link.submission_id is None:
        raise LinkError("invalid")
    submission = db.session.get(Submission, link.submission_id)
    if submission is None:  # pragma: no cover - the link goes with its submission (cascade)
        raise LinkError("not_found")
    return submission


def remove_links(signature_ids: list[int]) -> int:
    """Forget every link of these signatures (their data is being erased). Never commits."""
    if not signature_ids:
        return 0
    result = db.session.execute(
        delete(SignatureLink)
        .where(SignatureLink.signature_id.in_(signature_ids))
        .execution_options(synchronize_session=False)
    )
    return affected_rows(result)


def purge_expired_links(now: datetime | None = None) -> int:
    """Delete the links past their time; returns how many. Never commits."""
    result = db.session.execute(
        delete(SignatureLink)
        .where(SignatureLink.expires_at <= (now or utcnow()))
        .execution_options(synchronize_session=False)
    )
    return affected_rows(result)
