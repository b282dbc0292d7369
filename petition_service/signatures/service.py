"""Signing a petition: one signature per petition and canonical email, safe under
concurrent submissions, with the confirmation mail queued in the same transaction."""

from __future__ import annotations

import enum
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from ..extensions import db
from ..mail import outbox
from ..petitions.models import Petition
from ..types import utcnow
from .models import Signature, SignatureStatus
from .validation import SignatureInput


class SignOutcome(enum.Enum):
    NEW = "new"
    REPEAT = "repeat"


@dataclass(frozen=True)
class SignResult:
    outcome: SignOutcome
    signature_id: int


def _insert_ignoring_duplicate():
    dialect = db.session.get_bind().dialect.name
    return postgresql_insert if dialect == "postgresql" else sqlite_insert


def sign_petition(
    petition: Petition, data: SignatureInput, *, client_hash: str, language: str
) -> SignResult:
    """Record a signature, or recognise a repeat, and queue the mail either way.

    The database decides what is a duplicate (the unique petition + canonical email
    constraint), in one statement: two identical submissions racing on two servers get one
    row and one REPEAT, never an error. The caller commits, then calls `outbox.kick()`.
    """
    insert = _insert_ignoring_duplicate()
    for _attempt in range(3):
        statement = (
            insert(Signature)
            .values(
                petition_id=petition.id,
                name=data.name,
                email=data.email,
                email_canonical=data.email_canonical,
                country=data.country,
                city=data.city,
                consent=data.consent,
                wants_updates=data.wants_updates,
                language=language,
                status=SignatureStatus.PENDING,
                client_hash=client_hash,
                created_at=utcnow(),
                invalid_reason="",
            )
            .on_conflict_do_nothing(index_elements=["petition_id", "email_canonical"])
            .returning(Signature)
        )
        signature = db.session.scalar(statement)
        outcome = SignOutcome.NEW
        if signature is None:
            signature = db.session.scalar(
                select(Signature).where(
                    Signature.petition_id == petition.id,
                    Signature.email_canonical == data.email_canonical,
                )
            )
            outcome = SignOutcome.REPEAT
        if signature is not None:
            break
        # The row we collided with was withdrawn or purged in between: insert again.
    else:
        raise RuntimeError("could not record a signature after three attempts")
    outbox.queue_signature_mail(signature, repeat=outcome is SignOutcome.REPEAT)
    return SignResult(outcome, signature.id)
