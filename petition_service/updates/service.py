"""Publishing updates and mailing them to the signers who asked for news.

The flow, like the outbox's, is database first:

1. `publish_update` (in the staff request's transaction) adds the update; with `send`, it
   also fixes the audience: confirmed signers with `wants_updates`, confirmed by now. The
   view commits, then calls `nudge()`.
2. `mail_due_updates` (a job, nudged, then re-scheduled every `STEP` while work is left, and
   swept every minute) claims each mailing that is due and queues the next few mails:
   a delivery row per signer (unique per update and signature, inserted first; a signer
   who already has one is skipped) and, with it, the composed mail in the outbox. The
   outbox sends them. `UPDATE_MAILS_PER_MINUTE` sets how many are queued per minute.

Whatever is retried, restarted or run twice at once, the unique delivery row means nobody
is queued twice for one update; the outbox then sends each row once (with the same
Message-ID should a crash make it try again).
"""

from __future__ import annotations

import hashlib
import logging
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

from flask import current_app
from sqlalchemy import Table, and_, exists, func, or_, select, update

from ..extensions import db
from ..mail.compose import MailKind, new_message_id
from ..mail.models import OutboxMessage, OutboxStatus
from ..petitions.models import Petition
from ..signatures.models import Signature, SignatureStatus
from ..staff.models import StaffUser
from ..types import affected_rows, inserts_skipping_conflicts, utcnow
from .compose import compose_update_mail
from .models import PetitionUpdate, UpdateDelivery, UpdateKind

log = logging.getLogger(__name__)

#: How often a mailing queues its next share of mails.
STEP = timedelta(seconds=10)
SUBJECT_MAX = 200
BODY_MAX = 20000


class UpdateError(Exception):
    """An update cannot be published or sent as asked."""


@dataclass(frozen=True)
class UpdateInput:
    subject: str
    body: str
    kind: UpdateKind = UpdateKind.NEWS
    send: bool = False


def _eligible(petition_id: int, confirmed_by: datetime) -> Any:
    """Who gets an update: confirmed (so valid and not withdrawn) signers of the petition who
    asked for news and still have an address, confirmed before the mailing was asked for."""
    return and_(
        Signature.petition_id == petition_id,
        Signature.status == SignatureStatus.CONFIRMED,
        Signature.wants_updates.is_(True),
        Signature.email != "",
        func.coalesce(Signature.confirmed_at, Signature.created_at) <= confirmed_by,
    )


def opted_in_count(petition_id: int) -> int:
    return int(
        db.session.scalar(
            select(func.count()).select_from(Signature).where(_eligible(petition_id, utcnow()))
        )
        or 0
    )


def publish_update(
    petition: Petition, data: UpdateInput, by: StaffUser | None = None
) -> PetitionUpdate:
    """Add an update to the petition's page; with `data.send`, ask for it to be mailed.
    Runs in the caller's transaction; the caller commits, then calls `nudge()`."""
    subject, body = data.subject.strip(), data.body.strip()
    if not subject or not body:
        raise UpdateError("An update needs a subject and a text.")
    update_row = PetitionUpdate(
        petition_id=petition.id,
        kind=data.kind,
        subject=subject[:SUBJECT_MAX],
        body=body[:BODY_MAX],
        language=petition.language,
        created_at=utcnow(),
        created_by_id=by.id if by else None,
    )
    db.session.add(update_row)
    db.session.flush()
    if data.send:
        request_mailing(update_row)
    return update_row


def request_mailing(update_row: PetitionUpdate) -> None:
    """Fix the audience (signers confirmed by now) and make the mailing due. Asking twice
    changes nothing. Never commits."""
    if update_row.mail_requested_at is not None:
        return
    now = utcnow()
    update_row.mail_requested_at = now
    update_row.mail_next_step_at = None
    update_row.mail_total = int(
        db.session.scalar(
            select(func.count())
            .select_from(Signature)
            .where(_eligible(update_row.petition_id, now))
        )
        or 0
    )
    db.session.flush()


def nudge() -> None:
    """After the commit that asked for a mailing: run a step now. Never raises: if the queue
    is unreachable, the minute sweep starts the mailing anyway."""
    from .tasks import mail_updates_task

    try:
        mail_updates_task()
    except Exception:
        log.exception("could not start the update mailing; the sweep will")


def mails_per_step() -> int:
    per_minute = int(current_app.config["UPDATE_MAILS_PER_MINUTE"])
    return max(1, round(per_minute * STEP.total_seconds() / 60))


@dataclass(frozen=True)
class StepResult:
    queued: int
    more: bool


def mail_due_updates(now: datetime | None = None) -> StepResult:
    """One step of every mailing that is due, sharing one step's worth of mails (oldest
    request first). Commits per mailing; safe to run anywhere, any number of times."""
    now = now or utcnow()
    budget = mails_per_step()
    queued, more = 0, False
    due = db.session.scalars(
        select(PetitionUpdate.id)
        .where(
            PetitionUpdate.mail_requested_at.is_not(None),
            PetitionUpdate.mail_finished_at.is_(None),
            or_(
                PetitionUpdate.mail_next_step_at.is_(None),
                PetitionUpdate.mail_next_step_at <= now,
            ),
        )
        .order_by(PetitionUpdate.mail_requested_at, PetitionUpdate.id)
    ).all()
    db.session.commit()
    for update_id in due:
        if budget <= 0:
            more = True
            break
        if not _claim_step(update_id, now):
            continue  # another worker took this step
        count, finished = _queue_mails(update_id, budget, now)
        budget -= count
        queued += count
        more = more or not finished
    return StepResult(queued, more)


def _claim_step(update_id: int, now: datetime) -> bool:
    claimed = db.session.execute(
        update(PetitionUpdate)
        .where(
            PetitionUpdate.id == update_id,
            PetitionUpdate.mail_finished_at.is_(None),
            or_(
                PetitionUpdate.mail_next_step_at.is_(None),
                PetitionUpdate.mail_next_step_at <= now,
            ),
        )
        .values(mail_next_step_at=now + STEP)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    return affected_rows(claimed) == 1


_deliveries = cast(Table, UpdateDelivery.__table__)
_INSERT_DELIVERY = inserts_skipping_conflicts(_deliveries, ["update_id", "signature_id"])


def _queue_mails(update_id: int, limit: int, now: datetime) -> tuple[int, bool]:
    """Queue the mails of up to `limit` signers of the update who have none yet; returns
    (how many were queued, whether everyone has one now). Commits."""
    update_row = db.session.get(PetitionUpdate, update_id, populate_existing=True)
    if update_row is None or update_row.mail_requested_at is None:
        return 0, True
    already = exists().where(
        UpdateDelivery.update_id == update_id, UpdateDelivery.signature_id == Signature.id
    )
    signers = db.session.scalars(
        select(Signature)
        .where(_eligible(update_row.petition_id, update_row.mail_requested_at), ~already)
        .order_by(Signature.id)
        .limit(limit)
    ).all()
    connection = db.session.connection()
    insert_delivery = _INSERT_DELIVERY[connection.dialect.name]
    queued = 0
    for signature in signers:
        token = secrets.token_urlsafe(24)
        delivery_id = connection.execute(
            insert_delivery,
            {
                "update_id": update_id,
                "signature_id": signature.id,
                "unsubscribe_hash": unsubscribe_hash(token),
                "created_at": now,
            },
        ).scalar()
        if delivery_id is None:
            continue  # a concurrent step queued this signer
        message_id = new_message_id()
        mail = compose_update_mail(update_row, signature, token, message_id, now)
        outbox_row = OutboxMessage(
            message_id=message_id,
            kind=mail.kind,
            to_address=mail.to_address,
            subject=mail.subject,
            body_text=mail.body_text,
            body_html=mail.body_html,
            headers=mail.headers,
            signature_id=signature.id,
            status=OutboxStatus.PENDING,
            next_attempt_at=now,
            created_at=now,
        )
        db.session.add(outbox_row)
        db.session.flush()
        connection.execute(
            update(UpdateDelivery)
            .where(UpdateDelivery.id == delivery_id)
            .values(outbox_id=outbox_row.id)
        )
        queued += 1
    finished = len(signers) < limit
    if finished:
        update_row.mail_finished_at = now
        update_row.mail_next_step_at = None
    db.session.commit()
    return queued, finished


def unsubscribe_hash(token: str) -> str:
    return hashlib.sha256(token.encode("ascii", "replace")).hexdigest()


# --------------------------------------------------------------------------------------
# Progress


@dataclass(frozen=True)
class MailingProgress:
    total: int
    queued: int
    sent: int
    failed: int
    requested: bool
    finished: bool

    @property
    def status(self) -> str:
        if not self.requested:
            return "published"
        if not self.finished or self.queued > self.sent + self.failed:
            return "sending"
        return "sent"

    def as_json(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "total": self.total,
            "queued": self.queued,
            "sent": self.sent,
            "failed": self.failed,
        }


def mailing_progress(update_row: PetitionUpdate) -> MailingProgress:
    counts = dict(
        db.session.execute(
            select(OutboxMessage.status, func.count())
            .select_from(UpdateDelivery)
            .join(OutboxMessage, UpdateDelivery.outbox_id == OutboxMessage.id)
            .where(UpdateDelivery.update_id == update_row.id)
            .group_by(OutboxMessage.status)
        ).all()
    )
    queued = sum(counts.values())
    return MailingProgress(
        total=max(update_row.mail_total, queued),
        queued=queued,
        sent=counts.get(OutboxStatus.SENT, 0),
        failed=counts.get(OutboxStatus.FAILED, 0),
        requested=update_row.mail_requested_at is not None,
        finished=update_row.mail_finished_at is not None,
    )


def petition_updates(petition_id: int, limit: int | None = None) -> list[PetitionUpdate]:
    """The petition's updates, newest first (what its page and embed show)."""
    query = (
        select(PetitionUpdate)
        .where(PetitionUpdate.petition_id == petition_id)
        .order_by(PetitionUpdate.created_at.desc(), PetitionUpdate.id.desc())
    )
    if limit is not None:
        query = query.limit(limit)
    return list(db.session.scalars(query))


# --------------------------------------------------------------------------------------
# One-click unsubscribe (RFC 8058)


def signature_for_unsubscribe(token: str) -> Signature | None:
    return db.session.scalar(
        select(Signature)
        .join(UpdateDelivery, UpdateDelivery.signature_id == Signature.id)
        .where(UpdateDelivery.unsubscribe_hash == unsubscribe_hash(token))
    )


def unsubscribe(signature: Signature) -> None:
    """Stop this petition's updates to this signer: no later mailing picks them, and their
    update mails still waiting in the outbox are cancelled. The signature itself (its
    status, its place in the count and in batches) is left exactly as it is. Never commits."""
    signature.wants_updates = False
    db.session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.signature_id == signature.id,
            OutboxMessage.kind == MailKind.UPDATE,
            OutboxMessage.status == OutboxStatus.PENDING,
        )
        .values(status=OutboxStatus.FAILED, last_error="cancelled: unsubscribed")
        .execution_options(synchronize_session=False)
    )
    db.session.flush()
