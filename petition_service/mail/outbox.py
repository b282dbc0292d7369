"""Queueing mail into the durable outbox.

Mail is written as outbox rows in the transaction that justifies it (the signature and its
confirmation mail commit together or not at all) and sent afterwards by the sender
(`sender.py`), so a crash or an unreachable SMTP server delays mail but never loses it.

Callers: the sign service calls `queue_signature_mail` inside its transaction, after the
signature row is flushed; the view calls `kick` right after its commit.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterable
from datetime import timedelta
from typing import Protocol, cast

from flask import current_app
from sqlalchemy import Connection, Table, bindparam, func, insert, select, text, update

from ..extensions import db
from ..signatures.models import SignatureStatus
from ..types import affected_rows, utcnow
from .compose import MailKind, delivery_address, new_message_id
from .models import OutboxMessage, OutboxStatus

log = logging.getLogger(__name__)


class SignatureLike(Protocol):
    """What queueing needs of a signature: the ORM row, or the sign service's plain values."""

    @property
    def id(self) -> int: ...
    @property
    def email(self) -> str: ...
    @property
    def status(self) -> SignatureStatus: ...


# Ten attempts on one address within an hour send at most this many mails: enough for a
# signer who lost the first mail, useless for flooding someone else's inbox.
DEFAULT_MAILS_PER_ADDRESS_PER_HOUR = 2


def queue_signature_mail(signature: SignatureLike, *, repeat: bool) -> int | None:
    """Add the mail a signature calls for to the current transaction; never commits.
    Returns the outbox row's id, or None when no mail is due:

    - new signature (`repeat=False`): the confirmation mail;
    - repeat of a pending signature: the confirmation mail again (the first may be lost);
    - repeat of a confirmed signature: an "already signed" mail, never a second signature;
    - repeat of a withdrawn or invalid signature: nothing (there is nothing to confirm, and
      a staff decision is not re-opened by mail);
    - the address already had its share of mail this hour: nothing.

    Only the row is written here, with Core statements (this runs on every signature): the
    sender composes the mail (templates, links, tokens) on its first attempt, off the
    signer's request, and stores it for every retry.
    """
    if not repeat or signature.status is SignatureStatus.PENDING:
        kind = MailKind.CONFIRM
    elif signature.status is SignatureStatus.CONFIRMED:
        kind = MailKind.ALREADY_SIGNED
    else:
        return None

    now = utcnow()
    address = delivery_address(signature.email)
    connection = db.session.connection()
    _serialise_per_address(connection, address)
    # One statement: the row is written only while the address is under its hourly cap. On
    # SQLite the signature's insert already holds the write lock, so a concurrent request
    # for the same address counts after our commit, never alongside (PostgreSQL gets the
    # same from the advisory lock above).
    outbox_id = connection.execute(
        _INSERT_UNDER_CAP,
        {
            "message_id": new_message_id(),
            "kind": kind.value,
            "to_address": address,
            "subject": "",
            "body_text": "",
            "body_html": "",
            "headers": {},
            "signature_id": signature.id,
            "status": OutboxStatus.PENDING,
            "attempts": 0,
            "next_attempt_at": now,
            "last_error": "",
            "created_at": now,
            "since": now - _HOUR,
            "cap": _hourly_cap(),
        },
    ).scalar()
    if outbox_id is None:
        log.info("mail cap reached: signature %s gets no %s mail", signature.id, kind)
    return outbox_id


_outbox = cast(Table, OutboxMessage.__table__)
_HOUR = timedelta(hours=1)
_QUEUED_COLUMNS = [
    _outbox.c[name]
    for name in (
        "message_id",
        "kind",
        "to_address",
        "subject",
        "body_text",
        "body_html",
        "headers",
        "signature_id",
        "status",
        "attempts",
        "next_attempt_at",
        "last_error",
        "created_at",
    )
]
_RECENT_TO_ADDRESS = (
    select(func.count())
    .select_from(_outbox)
    .where(
        _outbox.c.to_address == bindparam("to_address"),
        _outbox.c.created_at >= bindparam("since", type_=_outbox.c.created_at.type),
        # Only the mail that signing can trigger: updates staff send to a signer must not
        # use up the confirmation mail of their next signature.
        _outbox.c.kind.in_([MailKind.CONFIRM.value, MailKind.ALREADY_SIGNED.value]),
    )
    .scalar_subquery()
)
_INSERT_UNDER_CAP = (
    insert(_outbox)
    .from_select(
        _QUEUED_COLUMNS,
        select(*[bindparam(column.name, type_=column.type) for column in _QUEUED_COLUMNS]).where(
            bindparam("cap") > _RECENT_TO_ADDRESS
        ),
    )
    .returning(_outbox.c.id)
)


class _KickPacer:
    """At most one nudge per MAIL_KICK_INTERVAL_SECONDS per process, plus one trailing nudge
    at the end of the interval, so a surge of signatures wakes the sender a few times a
    second (each run sends everything due) instead of queueing one job per signature; and
    no mail waits longer than the interval for its run."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._next_at = 0.0
        self._trailing_at = 0.0

    def delay(self, interval: float) -> float | None:
        """0 to nudge now, the seconds to wait for a trailing nudge, or None: one is due."""
        now = time.monotonic()
        with self._lock:
            if now >= self._next_at:
                self._next_at = now + interval
                return 0.0
            if self._trailing_at < self._next_at:
                self._trailing_at = self._next_at
                return self._next_at - now
            return None


_pacer = _KickPacer()


def kick() -> None:
    """Nudge the sender after the commit that queued mail. Never raises: if the queue is
    unreachable, the minute sweep sends the mail anyway."""
    from .tasks import send_due_mail_task

    interval = float(current_app.config.get("MAIL_KICK_INTERVAL_SECONDS", 0.5))
    delay = _pacer.delay(interval) if interval > 0 else 0.0
    if delay is None:
        return
    try:
        if delay:
            send_due_mail_task.schedule(delay=delay)
        else:
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
    log.debug("stopped %s unsent mails", affected_rows(stopped))
    return affected_rows(erased)


def _hourly_cap() -> int:
    return int(
        current_app.config.get("MAIL_PER_ADDRESS_PER_HOUR", DEFAULT_MAILS_PER_ADDRESS_PER_HOUR)
    )


def _serialise_per_address(connection: Connection, address: str) -> None:
    """On PostgreSQL, make concurrent requests for one address count its mail one after the
    other (or two could each see one mail and both add a second): a transaction-scoped
    advisory lock keyed by the address, released by the commit."""
    if connection.dialect.name == "postgresql":
        connection.execute(
            text("SELECT pg_advisory_xact_lock(hashtextextended(:address, 0))"),
            {"address": address},
        )
