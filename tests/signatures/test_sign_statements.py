"""The sign service's statements run on the DBAPI cursor (petition_service/prepared.py):
what they store must be exactly what SQLAlchemy would store, on every backend."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from petition_service.extensions import db
from petition_service.mail.compose import MailKind
from petition_service.mail.models import OutboxMessage, OutboxStatus
from petition_service.models import Signature
from petition_service.receipts.codes import normalise_receipt_code
from petition_service.signatures import service
from petition_service.signatures.display import Display
from petition_service.signatures.models import SignatureStatus
from petition_service.signatures.validation import SignatureInput
from tests.factories import make_petition, signature_input


def _input(email: str, **fields) -> SignatureInput:
    return signature_input(
        email, **{"name": "Trần Thị Thu", "city": "Huế", "wants_updates": True, **fields}
    )


def _sign(petition, email: str, **fields) -> service.SignResult:
    result = service.sign_petition(
        petition, _input(email, **fields), client_hash="c" * 32, network_hash="n" * 32,
        language="vi",
    )  # fmt: skip
    db.session.commit()
    return result


def test_a_new_signature_and_its_mail_are_stored_as_the_orm_reads_them(app_context):
    petition = make_petition()
    result = _sign(petition, "Thu@Example.org", display=Display.INITIALS)
    assert result.outcome is service.SignOutcome.NEW
    db.session.expire_all()

    signature = db.session.get(Signature, result.signature_id)
    assert (signature.name, signature.email, signature.email_canonical) == (
        "Trần Thị Thu", "Thu@Example.org", "thu@example.org",
    )  # fmt: skip
    assert (signature.country, signature.city, signature.language) == ("VN", "Huế", "vi")
    assert signature.consent is True and signature.wants_updates is True
    assert signature.display is Display.INITIALS
    assert signature.status is SignatureStatus.PENDING
    assert (signature.client_hash, signature.network_hash) == ("c" * 32, "n" * 32)
    assert signature.created_at.tzinfo is not None
    assert normalise_receipt_code(signature.receipt_code) == signature.receipt_code

    mails = db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.signature_id == signature.id)
    ).all()
    assert len(mails) == 1
    mail = mails[0]
    assert mail.kind == MailKind.CONFIRM.value
    assert mail.to_address == "thu@example.org"
    assert mail.status is OutboxStatus.PENDING
    assert (mail.attempts, mail.headers, mail.attachments, mail.body_text) == (0, {}, [], "")
    assert mail.next_attempt_at.tzinfo is not None and mail.sent_at is None
    assert mail.message_id.startswith("<") and mail.message_id.endswith(">")


def test_a_repeat_adds_no_signature_and_no_second_waiting_mail(app_context):
    petition = make_petition()
    first = _sign(petition, "lan@example.org")
    again = _sign(petition, "LAN@example.org", name="Someone else")
    assert again.outcome is service.SignOutcome.REPEAT
    assert again.signature_id == first.signature_id
    assert db.session.get(Signature, first.signature_id).name == "Trần Thị Thu"
    count = select(func.count()).select_from(OutboxMessage)
    assert db.session.scalar(count.where(OutboxMessage.signature_id == first.signature_id)) == 1


def test_different_signers_get_different_receipt_codes(app_context):
    petition = make_petition()
    ids = [_sign(petition, f"s{n}@example.org").signature_id for n in range(20)]
    codes = db.session.scalars(select(Signature.receipt_code).where(Signature.id.in_(ids)))
    assert len(set(codes)) == 20


def test_a_database_error_comes_out_as_sqlalchemys_and_the_session_goes_on(app_context):
    petition = make_petition()
    connection = db.session.connection()
    statement = service._INSERT_SIGNATURE[connection.dialect.name]
    # A NOT NULL column given None: the database refuses, and the caller sees Core's
    # IntegrityError with the SQL.
    row = service._signature_row(petition, _input("x@example.org"), client_hash="c",
                                 language="en", network_hash=None)  # fmt: skip
    row["name"] = None
    with pytest.raises(IntegrityError) as raised:
        statement.rows(connection, row)
    assert "INSERT INTO signatures" in str(raised.value)
    db.session.rollback()
    assert _sign(make_petition(), "after@example.org").outcome is service.SignOutcome.NEW
