from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError, StatementError

from petition_service.extensions import db
from petition_service.models import Signature
from tests.factories import make_petition, make_signature


def test_one_signature_per_petition_and_canonical_email(app_context):
    petition = make_petition()
    make_signature(petition, email="Hoa@Example.org")
    db.session.commit()
    with pytest.raises(IntegrityError):
        make_signature(petition, email="hoa@example.org")
    db.session.rollback()


def test_the_same_email_may_sign_another_petition(app_context):
    make_signature(make_petition(), email="hoa@example.org")
    make_signature(make_petition(), email="hoa@example.org")
    db.session.commit()
    assert db.session.scalar(select(db.func.count()).select_from(Signature)) == 2


def test_erased_signatures_do_not_block_signing_again(app_context):
    petition = make_petition()
    make_signature(petition, email="hoa@example.org", email_canonical=None)
    make_signature(petition, email="hoa@example.org")
    db.session.commit()


def test_signatures_need_an_existing_petition(app_context):
    with pytest.raises(IntegrityError):
        db.session.add(
            Signature(
                petition_id=987654, name="x", email="x@example.org", country="VN", consent=True
            )
        )
        db.session.flush()
    db.session.rollback()


def test_timestamps_come_back_aware_utc_on_every_backend(app_context):
    moment = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    signature = make_signature(make_petition(), confirmed_at=moment)
    db.session.commit()
    db.session.expire_all()
    stored = db.session.get(Signature, signature.id)
    assert stored.confirmed_at == moment
    assert stored.confirmed_at.tzinfo is not None
    assert stored.created_at.tzinfo is not None


def test_naive_timestamps_are_refused(app_context):
    with pytest.raises(StatementError, match="naive datetime"):
        make_signature(make_petition(), confirmed_at=datetime(2026, 1, 2))
    db.session.rollback()
