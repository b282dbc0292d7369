"""Queueing mail into the durable outbox.

Mail is written as outbox rows in the transaction that justifies it (the signature and its
confirmation mail commit together or not at all) and sent afterwards by the sender
(`sender.py`), so a crash or an unreachable SMTP server delays mail but never loses it.

Callers: the sign service calls `queue_signature_mail` inside its transaction, after the
signature row is flushed; the view calls `kick` right after its commit.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import func, select, text, update

from ..extensions import db
from ..signatures.models import Signature, SignatureStatus
from ..types import utcnow
from .compose import MailKind, compose_signature_mail, delivery_address
from .models import OutboxMessage, OutboxStatus

log = logging.getLogger(__name__)

# Ten attempts on one address within an hour send at most this many mails: enough for a
# signer who lost the first mail, useless for flooding someone else's inbox.
DEFAULT_MAILS_PER_ADDRESS_PER_HOUR = 2


def queue_signature_mail(signature: Signature, *, repeat: bool) -> OutboxMessage | None:
    """Add the mail a signature calls for to the session; never commits.

    - new signature (`repeat=False`): the confirmation mail;
    - repeat of a pending signature: the confirmation mail again (the first may be lost);
    - repeat of a confirmed signature: an "already signed" mail, never a second signature;
    - repeat of a withdrawn or invalid signature: nothing (there is nothing to confirm, and
      a staff decision is not re-opened by mail);
    - the address already had its share of mail this hour: nothing (returns None).
    """
    if not repeat or signature.status is SignatureStatus.PENDING:
        kind = MailKind.CONFIRM
    elif signature.status is SignatureStatus.CONFIRMED:
        kind = MailKind.ALREADY_SIGNED
    else:
        return None

    now = utcnow()
    address = delivery_address(signature.email)
    _serialise_per_address(address)
    mail = compose_signature_mail(signature, kind, now)
    message = OutboxMessage(
        message_id=mail.headers["Message-ID"],
        kind=mail.kind.value,
        to_address=mail.to_address,
        subject=mail.subject,
        body_text=mail.body_text,
        body_html=mail.body_html,
        headers=mail.headers,
        signature_id=signature.id,
        status=OutboxStatus.PENDING,
        attempts=0,
        next_attempt_at=now,
        created_at=now,
    )
    db.session.add(message)
    # Written before counting: on SQLite this write holds the database's write lock until
    # the commit, so a concurrent request for the same address counts after us, never
    # alongside (PostgreSQL gets the same from the advisory lock above).
    db.session.flush()
    if _mails_in_last_hour(address, now) > _hourly_cap():
        db.session.delete(message)
        db.session.flush()
        log.info("mail cap reached: signature %s gets no %s mail", signature.id, kind)
        return None
    return message


def kick() -> None:
    """Nudge the sender after the commit that queued mail. Never raises: if the queue is
    unreachable, the minute sweep sends the mail anyway."""
    from .tasks import send_due_mail_task

    try:
        send_due_mail_task()
    except Exception:
        log.exception("could not nudge the mail sender; the periodic sweep will send the mail")


def erase_signature_mail(signature_ids: Iterable[int]) -> int:
    """Purge the address, bodies and links from every outbox row of these signatures, and
    stop the ones not yet sent. Returns the number of rows erased. Never commits."""
    ids = list(signature_ids)
    if not ids:
        return 0
    stopped = db.session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.signature_id.in_(ids),
            OutboxMessage.status.in_([OutboxStatus.PENDING, OutboxStatus.SENDING]),
        )
        .values(status=OutboxStatus.FAILED, last_error="cancelled: signature removed")
        .execution_options(synchronize_session="fetch")
    )
    erased = db.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.signature_id.in_(ids))
        .values(to_address="", body_text="", body_html="", headers={})
        .execution_options(synchronize_session="fetch")
    )
    log.debug("stopped %s unsent mails", stopped.rowcount)
    return erased.rowcount or 0


def _hourly_cap() -> int:
    return int(
        current_app.config.get("MAIL_PER_ADDRESS_PER_HOUR", DEFAULT_MAILS_PER_ADDRESS_PER_HOUR)
    )


def _mails_in_last_hour(address: str, now: datetime) -> int:
    return (
        db.session.scalar(
            select(func.count())
            .select_from(OutboxMessage)
            .where(
                OutboxMessage.to_address == address,
                OutboxMessage.created_at >= now - timedelta(hours=1),
            )
        )
        or 0
    )


def _serialise_per_address(address: str) -> None:
    """On PostgreSQL, make concurrent requests for one address count its mail one after the
    other (or two could each see one mail and both add a second): a transaction-scoped
    advisory lock keyed by the address, released by the commit."""
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(
            text("SELECT pg_advisory_xact_lock(hashtextextended(:address, 0))"),
            {"address": address},
        )
