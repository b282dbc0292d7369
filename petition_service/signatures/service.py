"""Signing a petition: one signature per petition and canonical email, safe under
concurrent submissions, with the confirmation mail queued in the same transaction."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import cast

from sqlalchemy import Table, bindparam, select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from ..extensions import db
from ..mail import outbox
from ..petitions.models import Petition
from ..petitions.service import PetitionRef
from ..types import utcnow
from .display import default_display
from .models import Signature, SignatureStatus
from .validation import SignatureInput


class SignOutcome(enum.Enum):
    NEW = "new"
    REPEAT = "repeat"


@dataclass(frozen=True)
class SignResult:
    outcome: SignOutcome
    signature_id: int


@dataclass(frozen=True)
class Recorded:
    """The signature as the outbox needs it (see mail.outbox.SignatureLike)."""

    id: int
    email: str
    status: SignatureStatus


_signatures = cast(Table, Signature.__table__)
# Built once per dialect: this runs on every signature, so no ORM unit of work and no
# statement construction per request (SQLAlchemy caches the compiled form).
_INSERTS = {
    dialect: insert(_signatures)
    .on_conflict_do_nothing(index_elements=["petition_id", "email_canonical"])
    .returning(_signatures.c.id)
    for dialect, insert in (("postgresql", postgresql_insert), ("sqlite", sqlite_insert))
}
_FIND_EXISTING = select(_signatures.c.id, _signatures.c.email, _signatures.c.status).where(
    _signatures.c.petition_id == bindparam("petition_id"),
    _signatures.c.email_canonical == bindparam("email_canonical"),
)


def sign_petition(
    petition: PetitionRef | Petition,
    data: SignatureInput,
    *,
    client_hash: str,
    language: str,
    network_hash: str | None = None,
) -> SignResult:
    """Record a signature, or recognise a repeat, and queue the mail either way.

    A signer who did not choose how they appear gets the petition's default for their
    country (initials in a protected country). A repeat never changes the stored signature:
    its mail says how it will appear and offers a link to correct it.

    The caller commits, then calls `outbox.kick()`.
    """
    outcome, signed = record_signature(petition, data, client_hash=client_hash,
                                       language=language, network_hash=network_hash)  # fmt: skip
    outbox.queue_signature_mail(signed, repeat=outcome is SignOutcome.REPEAT)
    return SignResult(outcome, signed.id)


def record_signature(
    petition: PetitionRef | Petition,
    data: SignatureInput,
    *,
    client_hash: str,
    language: str,
    network_hash: str | None = None,
) -> tuple[SignOutcome, Recorded]:
    """The signature row, new or (a repeat) the one already there; queues no mail.

    The database decides what is a duplicate (the unique petition + canonical email
    constraint), in one statement: two identical submissions racing on two servers get one
    row and one REPEAT, never an error.
    """
    connection = db.session.connection()
    insert_or_skip = _INSERTS[connection.dialect.name]
    row = {
        "petition_id": petition.id,
        "name": data.name,
        "email": data.email,
        "email_canonical": data.email_canonical,
        "country": data.country,
        "city": data.city,
        "consent": data.consent,
        "wants_updates": data.wants_updates,
        "language": language,
        "display": data.display or default_display(data.country, petition.protected_countries),
        "status": SignatureStatus.PENDING,
        "client_hash": client_hash,
        "network_hash": network_hash,
        "created_at": utcnow(),
        "invalid_reason": "",
    }
    for _attempt in range(3):
        new_id = connection.execute(insert_or_skip, row).scalar()
        if new_id is not None:
            return SignOutcome.NEW, Recorded(new_id, data.email, SignatureStatus.PENDING)
        existing = connection.execute(
            _FIND_EXISTING,
            {"petition_id": petition.id, "email_canonical": data.email_canonical},
        ).one_or_none()
        if existing is not None:
            return SignOutcome.REPEAT, Recorded(*existing)
        # The row we collided with was withdrawn or purged in between: insert again.
    raise RuntimeError("could not record a signature after three attempts")
