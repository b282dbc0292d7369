"""Signing a petition: one signature per petition and canonical email, safe under
concurrent submissions, with the confirmation mail queued in the same transaction."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import Connection, Table, bindparam, insert, select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from ..extensions import db
from ..mail import outbox
from ..mail.compose import MailKind
from ..mail.models import OutboxMessage
from ..petitions.models import Petition
from ..petitions.service import PetitionRef
from ..prepared import PreparedStatement
from ..receipts.codes import new_receipt_code
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
_outbox = cast(Table, OutboxMessage.__table__)
# A new signature's row: every column it is given at signing (see _signature_row).
_SIGNED_COLUMNS = (
    "petition_id", "name", "email", "email_canonical", "country", "city", "consent",
    "wants_updates", "language", "display", "status", "client_hash", "network_hash",
    "created_at", "invalid_reason", "receipt_code",
)  # fmt: skip
_MAIL_COLUMNS = tuple(
    column.key for column in _outbox.c if column.key not in ("id", "signature_id")
)


def _insert_signature(insert: Any) -> Any:
    """INSERT of a new signature that skips (returns no row) when the petition already has a
    signature from this canonical email: the database decides what is a duplicate."""
    return (
        insert(_signatures)
        .values({name: bindparam(name) for name in _SIGNED_COLUMNS})
        .on_conflict_do_nothing(index_elements=["petition_id", "email_canonical"])
        .returning(_signatures.c.id)
    )


_INSERT_SIGNATURE = {
    "postgresql": PreparedStatement(_insert_signature(postgresql_insert)),
    "sqlite": PreparedStatement(_insert_signature(sqlite_insert)),
}
# PostgreSQL: the signature and its confirmation mail in one statement, so one round trip:
# the outbox row is inserted from what the signature's insert returns, so a duplicate
# (no signature row) queues no mail either. SQLite runs the two inserts in one transaction.
_new_signature = _insert_signature(postgresql_insert).cte("new_signature")
_SIGN_WITH_MAIL = PreparedStatement(
    insert(_outbox)
    .from_select(
        [*_MAIL_COLUMNS, "signature_id"],
        select(
            *(bindparam(f"mail_{name}", type_=_outbox.c[name].type) for name in _MAIL_COLUMNS),
            _new_signature.c.id,
        ),
    )
    .add_cte(_new_signature)
    .returning(_outbox.c.signature_id)
)
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
    row = _signature_row(petition, data, client_hash=client_hash, language=language,
                         network_hash=network_hash)  # fmt: skip
    connection = db.session.connection()
    if connection.dialect.name == "postgresql":
        mail = outbox.mail_row(MailKind.CONFIRM, data.email)
        new_id = _SIGN_WITH_MAIL.first_value(
            connection, {**row, **{f"mail_{name}": mail[name] for name in _MAIL_COLUMNS}}
        )
        if new_id is not None:
            return SignResult(SignOutcome.NEW, new_id)
    outcome, signed = _record(connection, row)
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
    row = _signature_row(petition, data, client_hash=client_hash, language=language,
                         network_hash=network_hash)  # fmt: skip
    return _record(db.session.connection(), row)


def _signature_row(
    petition: PetitionRef | Petition,
    data: SignatureInput,
    *,
    client_hash: str,
    language: str,
    network_hash: str | None,
) -> dict[str, Any]:
    return {
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
        "receipt_code": new_receipt_code(),
    }


def _record(connection: Connection, row: dict[str, Any]) -> tuple[SignOutcome, Recorded]:
    insert_or_skip = _INSERT_SIGNATURE[connection.dialect.name]
    for _attempt in range(3):
        new_id = insert_or_skip.first_value(connection, row)
        if new_id is not None:
            return SignOutcome.NEW, Recorded(new_id, row["email"], SignatureStatus.PENDING)
        existing = connection.execute(
            _FIND_EXISTING,
            {"petition_id": row["petition_id"], "email_canonical": row["email_canonical"]},
        ).one_or_none()
        if existing is not None:
            return SignOutcome.REPEAT, Recorded(*existing)
        # The row we collided with was withdrawn or purged in between: insert again.
    raise RuntimeError("could not record a signature after three attempts")
