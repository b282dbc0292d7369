"""What happens to a signature after it is made: confirmed, corrected or withdrawn by its
signer, or purged when never confirmed.

Services change rows and flush; the caller (a view or a job) owns the transaction and
commits once.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from flask import current_app
from sqlalchemy import delete, select, update

from ..errors import InvalidInputError
from ..extensions import db
from ..mail.outbox import erase_signature_mail
from ..types import affected_rows, utcnow
from .links import LinkError
from .models import Signature, SignatureStatus
from .validation import (
    CITY_MAX_LENGTH,
    NAME_MAX_LENGTH,
    ValidationResult,
    check_no_link,
    check_printable,
    clean_display,
    clean_text,
)

PURGE_CHUNK = 500


class SignatureNotFound(Exception):
    """No such signature (any more): purged, or never confirmed in time."""


class SignatureGone(Exception):
    """The signature exists but can no longer be confirmed (withdrawn or invalidated)."""


def pending_ttl() -> timedelta:
    return timedelta(hours=int(current_app.config["PENDING_SIGNATURE_TTL_HOURS"]))


def is_expired_pending(signature: Signature, now: datetime | None = None) -> bool:
    """Pending for longer than the TTL: it will be purged, and it cannot be confirmed even
    if the purge has not run yet."""
    now = now or utcnow()
    return (
        signature.status is SignatureStatus.PENDING and signature.created_at < now - pending_ttl()
    )


def confirm_signature(signature_id: int) -> Signature:
    """Confirm a pending signature; confirming a confirmed one changes nothing.

    Raises SignatureNotFound (no such row, or pending past its TTL) and SignatureGone
    (withdrawn or invalid: confirming must not bring it back).
    """
    now = utcnow()
    # One conditional UPDATE, so a confirmation racing a withdrawal or the purge cannot
    # resurrect a signature that has just left.
    db.session.execute(
        update(Signature)
        .where(
            Signature.id == signature_id,
            Signature.status == SignatureStatus.PENDING,
            Signature.created_at >= now - pending_ttl(),
        )
        .values(status=SignatureStatus.CONFIRMED, confirmed_at=now)
        .execution_options(synchronize_session=False)
    )
    signature = db.session.get(Signature, signature_id, populate_existing=True)
    if signature is None or signature.status is SignatureStatus.PENDING:
        raise SignatureNotFound(signature_id)
    if signature.status is not SignatureStatus.CONFIRMED:
        raise SignatureGone(signature_id)
    return signature


class CorrectionRefused(InvalidInputError):
    """The corrected name, city or display has problems; `errors` maps fields to messages."""

    def __init__(self, errors: Mapping[str, list[Any]], *, fields: Mapping[str, Any]) -> None:
        super().__init__(errors)
        self.fields = dict(fields)


def correctable(signature: Signature) -> bool:
    """A signature not yet frozen into a batch, pending or confirmed, with its data."""
    return (
        signature.batch_id is None
        and bool(signature.email)
        and signature.status in (SignatureStatus.PENDING, SignatureStatus.CONFIRMED)
    )


def correct_signature(signature_id: int, fields: Mapping[str, Any]) -> Signature:
    """Change the name, city and display of a signature at its signer's request (the link in
    their mail), with the sign form's rules. The only way a stored name ever changes: a
    second submission with the same address never does.

    Raises LinkError("gone") for a withdrawn, invalid or erased signature,
    LinkError("delivered") once it is in a batch, and CorrectionRefused.
    """
    signature = db.session.get(
        Signature, signature_id, with_for_update=True, populate_existing=True
    )
    if signature is None:
        raise LinkError("not_found")
    if signature.batch_id is not None:
        raise LinkError("delivered")
    if not correctable(signature):
        raise LinkError("gone")
    result = ValidationResult()
    name = clean_text(fields.get("name"), max_length=NAME_MAX_LENGTH, required=True,
                      result=result, field_name="name")  # fmt: skip
    check_printable(name, "name", result)
    check_no_link(name, "name", result)
    city = clean_text(fields.get("city"), max_length=CITY_MAX_LENGTH, required=False,
                      result=result, field_name="city")  # fmt: skip
    check_printable(city, "city", result)
    check_no_link(city, "city", result)
    display = clean_display(fields.get("display"), result, required=True)
    if result.errors or display is None:
        raise CorrectionRefused(result.errors, fields=fields)
    signature.name, signature.city, signature.display = name, city, display
    db.session.flush()
    return signature


def withdraw_signature(signature_id: int) -> Signature:
    """Withdraw a signature at its signer's request: it leaves the count, never enters a
    later batch (batches take confirmed signatures only), and its personal data is erased
    here and in the outbox. Withdrawing twice changes nothing."""
    signature = db.session.get(
        Signature, signature_id, with_for_update=True, populate_existing=True
    )
    if signature is None:
        raise SignatureNotFound(signature_id)
    if signature.status is not SignatureStatus.WITHDRAWN:
        signature.status = SignatureStatus.WITHDRAWN
        signature.withdrawn_at = utcnow()
    erase_personal_data(signature)
    erase_signature_mail([signature.id])
    db.session.flush()
    return signature


def erase_personal_data(signature: Signature) -> None:
    """Blank what names, reaches or locates the signer; the country and the dates stay."""
    signature.name = ""
    signature.email = ""
    signature.city = ""
    # NULL also frees the address to sign this petition again, if its owner wishes.
    signature.email_canonical = None
    signature.client_hash = None
    signature.network_hash = None
    signature.wants_updates = False


def purge_expired_pending(now: datetime | None = None) -> int:
    """Delete signatures left unconfirmed past PENDING_SIGNATURE_TTL_HOURS, with their
    personal data and that of their mail; returns how many. Never commits."""
    cutoff = (now or utcnow()) - pending_ttl()
    expired = (Signature.status == SignatureStatus.PENDING, Signature.created_at < cutoff)
    purged = 0
    while True:
        ids = list(db.session.scalars(select(Signature.id).where(*expired).limit(PURGE_CHUNK)))
        if not ids:
            return purged
        erase_signature_mail(ids)
        result = db.session.execute(
            # The condition again: one confirmed meanwhile stays.
            delete(Signature).where(Signature.id.in_(ids), *expired),
            execution_options={"synchronize_session": "fetch"},
        )
        purged += affected_rows(result)
        if len(ids) < PURGE_CHUNK:
            return purged
