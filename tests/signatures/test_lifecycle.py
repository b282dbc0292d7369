"""Confirm, withdraw and purge, called as the views and jobs call them."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select, update

from petition_service import jobs
from petition_service.config import load_config
from petition_service.extensions import db
from petition_service.mail.models import OutboxMessage, OutboxStatus
from petition_service.mail.outbox import queue_signature_mail
from petition_service.mail.sender import send_due_mail
from petition_service.petitions.service import count_confirmed_signatures
from petition_service.signatures.lifecycle import (
    SignatureGone,
    SignatureNotFound,
    confirm_signature,
    purge_expired_pending,
    withdraw_signature,
)
from petition_service.signatures.models import Signature, SignatureStatus
from petition_service.types import utcnow
from tests.factories import make_pending_signature, make_petition, make_signature


def _age(signature: Signature, hours: float) -> None:
    db.session.execute(
        update(Signature)
        .where(Signature.id == signature.id)
        .values(created_at=utcnow() - timedelta(hours=hours))
    )


def test_confirm_counts_a_pending_signature_once(app_context):
    petition = make_petition()
    signature = make_pending_signature(petition)
    assert count_confirmed_signatures(petition.id) == 0
    confirmed = confirm_signature(signature.id)
    assert confirmed.status is SignatureStatus.CONFIRMED and confirmed.confirmed_at
    first_time = confirmed.confirmed_at
    assert confirm_signature(signature.id).confirmed_at == first_time
    assert count_confirmed_signatures(petition.id) == 1


def test_confirm_refuses_what_is_gone_or_too_old(app_context):
    petition = make_petition()
    withdrawn = make_signature(petition, status=SignatureStatus.WITHDRAWN)
    invalid = make_signature(petition, status=SignatureStatus.INVALID)
    stale = make_pending_signature(petition)
    _age(stale, 73)
    for signature in (withdrawn, invalid):
        with pytest.raises(SignatureGone):
            confirm_signature(signature.id)
    with pytest.raises(SignatureNotFound):
        confirm_signature(stale.id)
    with pytest.raises(SignatureNotFound):
        confirm_signature(10**9)
    assert count_confirmed_signatures(petition.id) == 0


def test_withdraw_erases_the_signer_and_cancels_unsent_mail(app_context):
    petition = make_petition()
    signature = make_pending_signature(
        petition,
        name="Đỗ Thị Minh",
        email="Minh@example.org",
        city="Đà Nẵng",
        client_hash="ab" * 32,
    )
    queued = queue_signature_mail(signature, repeat=False)
    db.session.commit()
    confirm_signature(signature.id)
    db.session.commit()
    assert count_confirmed_signatures(petition.id) == 1

    withdraw_signature(signature.id)
    db.session.commit()
    db.session.expire_all()

    row = db.session.get(Signature, signature.id)
    assert row.status is SignatureStatus.WITHDRAWN
    assert (row.name, row.email, row.city, row.email_canonical, row.client_hash) == (
        "",
        "",
        "",
        None,
        None,
    )
    assert count_confirmed_signatures(petition.id) == 0
    mail = db.session.get(OutboxMessage, queued)
    assert (mail.to_address, mail.body_text, mail.body_html, mail.headers) == ("", "", "", {})
    # It was never sent, and now never will be.
    assert mail.status is OutboxStatus.FAILED
    assert send_due_mail(now=utcnow() + timedelta(days=1)) == 0
    # Batches take confirmed signatures only: a withdrawn one is not among them.
    eligible = db.session.scalars(
        select(Signature.id).where(
            Signature.petition_id == petition.id,
            Signature.status == SignatureStatus.CONFIRMED,
            Signature.batch_id.is_(None),
        )
    ).all()
    assert eligible == []
    # Withdrawing twice is harmless.
    assert withdraw_signature(signature.id).status is SignatureStatus.WITHDRAWN
    with pytest.raises(SignatureNotFound):
        withdraw_signature(10**9)


def test_purge_deletes_only_pending_signatures_past_the_ttl(app_context):
    petition = make_petition()
    old_pending = make_pending_signature(petition, name="Old pending")
    young_pending = make_pending_signature(petition)
    old_confirmed = make_signature(petition)
    mail = queue_signature_mail(old_pending, repeat=False)
    for signature in (old_pending, old_confirmed):
        _age(signature, 73)
    _age(young_pending, 71)
    db.session.commit()
    old_id, mail_id = old_pending.id, mail

    assert purge_expired_pending() == 1
    db.session.commit()
    db.session.expire_all()
    remaining = set(db.session.scalars(select(Signature.id)))
    assert remaining == {young_pending.id, old_confirmed.id}
    assert old_id not in remaining
    erased = db.session.get(OutboxMessage, mail_id)
    assert erased.signature_id is None
    assert (erased.to_address, erased.body_text, erased.body_html) == ("", "", "")
    assert "Old pending" not in erased.subject
    assert purge_expired_pending() == 0
    # Seen from later: the young one expires too.
    assert purge_expired_pending(now=utcnow() + timedelta(hours=2)) == 1


def test_the_ttl_is_configurable(app, monkeypatch, tmp_path):
    monkeypatch.setenv("PENDING_SIGNATURE_TTL_HOURS", "24")
    assert load_config(tmp_path, env="testing")["PENDING_SIGNATURE_TTL_HOURS"] == 24
    monkeypatch.delenv("PENDING_SIGNATURE_TTL_HOURS")
    assert load_config(tmp_path, env="testing")["PENDING_SIGNATURE_TTL_HOURS"] == 72

    monkeypatch.setitem(app.config, "PENDING_SIGNATURE_TTL_HOURS", 24)
    with app.app_context():
        petition = make_petition()
        _age(make_pending_signature(petition), 25)
        db.session.commit()
        assert purge_expired_pending() == 1
        db.session.rollback()


def test_the_periodic_jobs_are_registered_and_the_purge_job_commits(app):
    from petition_service.signatures import tasks

    periodic = {task.name for task in jobs.huey._registry.periodic_tasks}
    assert {"sweep_outbox", "sweep_personal_data"} <= periodic
    with app.app_context():
        _age(make_pending_signature(make_petition()), 100)
        db.session.commit()
    tasks.sweep_personal_data()  # immediate mode: runs here, in its own app context
    with app.app_context():
        assert db.session.scalar(select(db.func.count()).select_from(Signature)) == 0
