"""Delivery: retries with backoff while the SMTP server is away, leases, giving up,
and the .eml folder when no SMTP server is configured."""

from __future__ import annotations

import logging
import time
from datetime import timedelta
from email import message_from_bytes, policy
from pathlib import Path

from sqlalchemy import select, update

from petition_service import jobs
from petition_service.extensions import db
from petition_service.mail.models import OutboxMessage, OutboxStatus
from petition_service.mail.outbox import queue_signature_mail
from petition_service.mail.sender import (
    LEASE,
    _compose,
    _Transport,
    deliver,
    outbox_dir,
    retry_delay,
    send_due_mail,
)
from petition_service.types import utcnow
from tests.factories import make_pending_signature, make_petition, sign_petition
from tests.mail.conftest import html_part, link, text_part


def _outbox() -> list[OutboxMessage]:
    db.session.expire_all()
    return list(db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


def test_retry_delays_start_within_30_seconds_and_back_off_to_15_minutes():
    delays = [retry_delay(n).total_seconds() for n in range(1, 12)]
    assert delays[0] <= 30
    assert delays[:4] == [20, 40, 80, 160]
    assert max(delays) == 15 * 60 and delays[-1] == 15 * 60
    assert delays == sorted(delays)


def test_mail_accepted_while_the_smtp_server_is_down_is_sent_when_it_is_back(
    app, client, smtp_down
):
    with app.app_context():
        petition = make_petition()
        sign_petition(petition, "thu@example.org", name="Thu")
        [row] = _outbox()
        # The nudge after the commit tried once and failed; the mail waits, it is not lost.
        assert row.status is OutboxStatus.PENDING and row.attempts == 1
        assert "ConnectionRefusedError" in row.last_error
        first_retry = row.next_attempt_at - utcnow()
        assert timedelta(0) < first_retry <= timedelta(seconds=30)
        message_id = row.message_id

        # Not due yet: a sweep now leaves it alone.
        assert send_due_mail() == 0
        # Still down at the next attempt: the wait doubles.
        failed_at = row.next_attempt_at
        assert send_due_mail(now=failed_at) == 0
        [row] = _outbox()
        assert row.attempts == 2
        assert row.next_attempt_at - failed_at == retry_delay(2)

        smtp_down.start()
        # A sweep as after a restart of the service: the database alone says what is due.
        assert send_due_mail(now=row.next_attempt_at) == 1
        [row] = _outbox()
        assert row.status is OutboxStatus.SENT and row.attempts == 3 and row.sent_at is not None
        assert send_due_mail(now=utcnow() + timedelta(hours=1)) == 0

    [mail] = smtp_down.messages
    assert mail["Message-ID"] == message_id
    assert client.post(link(mail, "confirm")).status_code == 303


def test_a_row_left_sending_by_a_dead_worker_is_resent_after_its_lease(app, smtp):
    with app.app_context():
        petition = make_petition()
        queue_signature_mail(make_pending_signature(petition, email="khoa@example.org"),
                             repeat=False)  # fmt: skip
        db.session.commit()  # queued, and no nudge
        [row] = _outbox()
        # A worker claimed it, composed and sent it, and died before recording that.
        claimed_at = utcnow()
        db.session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id == row.id)
            .values(status=OutboxStatus.SENDING, next_attempt_at=claimed_at + LEASE, attempts=1)
        )
        db.session.commit()
        [row] = _outbox()
        _compose(row)
        with _Transport() as transport:
            transport.send(row)

        assert send_due_mail() == 0  # the lease still runs: its worker may be alive
        assert send_due_mail(now=claimed_at + LEASE) == 1
        [row] = _outbox()
        assert row.status is OutboxStatus.SENT and row.attempts == 2

    first, again = smtp.messages
    # The same message again, recognisable as a duplicate.
    assert first["Message-ID"] == again["Message-ID"] == row.message_id
    assert first["Date"] == again["Date"]
    assert text_part(first) == text_part(again)


def test_two_workers_cannot_both_claim_one_row(app, smtp_down):
    with app.app_context():
        petition = make_petition()
        sign_petition(petition, "lam@example.org")
        [row] = _outbox()
        smtp_down.start()
        due = row.next_attempt_at
        assert deliver(row.id, now=due) is True
        # The second claim of the same due time finds the row no longer pending.
        assert deliver(row.id, now=due) is False
    assert len(smtp_down.messages) == 1


def test_a_permanent_refusal_is_not_retried(app, smtp):
    smtp.inbox.refuse.add("nobody@example.org")
    with app.app_context():
        petition = make_petition()
        sign_petition(petition, "nobody@example.org")
        [row] = _outbox()
        assert row.status is OutboxStatus.FAILED and row.attempts == 1
        assert "550" in row.last_error
        assert send_due_mail(now=utcnow() + timedelta(days=1)) == 0
    assert smtp.messages == []


def test_sending_gives_up_after_the_last_attempt_and_logs_it(app, smtp_down, monkeypatch, caplog):
    monkeypatch.setitem(app.config, "MAIL_MAX_ATTEMPTS", 3)
    with app.app_context():
        petition = make_petition()
        sign_petition(petition, "vy@example.org")
        for _ in range(2):
            [row] = _outbox()
            with caplog.at_level(logging.ERROR, logger="petition_service.mail.sender"):
                send_due_mail(now=row.next_attempt_at)
        [row] = _outbox()
        assert row.status is OutboxStatus.FAILED and row.attempts == 3
    assert any("giving up on outbox mail" in r.getMessage() for r in caplog.records)


def test_without_a_mail_server_mail_is_written_to_eml_files(app):
    assert app.config["MAIL_SERVER"] is None
    with app.app_context():
        folder = outbox_dir()
        # Earlier tests' files may carry the same row id (SQLite reuses ids after a DELETE).
        for earlier in folder.glob("*.eml"):
            earlier.unlink()
        petition = make_petition(title="Release her")
        sign_petition(petition, "quang@example.org", name="Quang")
        [row] = _outbox()
        assert row.status is OutboxStatus.SENT
    assert folder == Path(app.instance_path) / "outbox"
    [eml] = folder.glob("*.eml")
    assert eml.name.endswith(f"-{row.id}.eml")
    mail = message_from_bytes(eml.read_bytes(), policy=policy.default)
    assert mail["To"] == "quang@example.org"
    assert mail["Message-ID"] == row.message_id
    assert mail["Subject"] == "Please confirm your signature: Release her"
    assert "Name: Quang" in text_part(mail)
    assert "/confirm/" in html_part(mail)


def test_kick_has_the_in_process_consumer_send_the_mail(app, smtp, embedded_queue):
    jobs.start_embedded_consumer(workers=1)
    with app.app_context():
        petition = make_petition()
        sign_petition(petition, "tam@example.org")  # commits, then kick() only enqueues
    deadline = time.monotonic() + 10
    while not smtp.messages and time.monotonic() < deadline:
        time.sleep(0.02)
    assert [m["To"] for m in smtp.messages] == ["tam@example.org"]
    with app.app_context():
        deadline = time.monotonic() + 5
        while _outbox()[0].status is not OutboxStatus.SENT and time.monotonic() < deadline:
            time.sleep(0.02)
        assert _outbox()[0].status is OutboxStatus.SENT


def test_the_sender_is_nudged_at_most_once_per_interval_plus_one_trailing_nudge():
    from petition_service.mail.outbox import _KickPacer

    pacer = _KickPacer()
    assert pacer.delay(10) == 0.0  # the first nudge goes at once
    trailing = pacer.delay(10)
    assert trailing is not None and 9 < trailing <= 10  # one trailing nudge is scheduled
    assert pacer.delay(10) is None  # everything after rides on that one
    assert pacer.delay(10) is None


def test_one_process_of_the_machine_sends_at_a_time(app, smtp):
    """Web processes of the embedded default take turns: while another holds the lock, a
    sweep leaves the mail for it (and sends it once it is free)."""
    import fcntl

    with app.app_context():
        petition = make_petition()
        for address in ("queued@example.org", "queued2@example.org"):
            queue_signature_mail(make_pending_signature(petition, email=address), repeat=False)
        db.session.commit()  # queued, and no nudge
        lock_path = Path(app.instance_path) / "outbox.lock"
        with open(lock_path, "a+b") as other_process:
            fcntl.flock(other_process, fcntl.LOCK_EX)
            assert send_due_mail() == 0
            assert {row.status for row in _outbox()} == {OutboxStatus.PENDING}
            fcntl.flock(other_process, fcntl.LOCK_UN)
        assert send_due_mail() == 2
        assert len(smtp.messages) == 2
