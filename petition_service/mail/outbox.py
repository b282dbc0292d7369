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
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from typing import Any, Protocol, cast

from flask import current_app
from sqlalchemy import (
    Connection,
    Table,
    and_,
    bindparam,
    func,
    insert,
    or_,
    select,
    text,
    update,
)

from ..extensions import db
from ..prepared import PreparedStatement
from ..signatures.models import SignatureStatus
from ..types import affected_rows, utcnow
from .compose import MailKind, delivery_address, new_message_id
from .models import OutboxMessage, OutboxStatus
from .tasks import send_due_mail_task

log = logging.getLogger(__name__)


class SignatureLike(Protocol):
    """What queueing needs of a signature: the ORM row, or the sign service's plain values."""

    @property
    def id(self) -> int: ...
    @property
    def email(self) -> str: ...
    @property
    def status(self) -> SignatureStatus: ...


def queue_signature_mail(signature: SignatureLike, *, repeat: bool) -> int | None:
    """Add the mail a signature calls for to the current transaction; never commits.
    Returns the outbox row's id, or None when no mail is due:

    - new signature (`repeat=False`): the confirmation mail, always and at once: the mail cap
      never holds back the first confirmation for an address and petition;
    - repeat of a pending signature: the confirmation mail again (the first may be lost);
    - repeat of a confirmed signature: an "already signed" mail, never a second signature;
    - repeat of a withdrawn or invalid signature: nothing (there is nothing to confirm, and
      a staff decision is not re-opened by mail);
    - a repeat while this signature's last mail is still waiting to go out: nothing more.

    A repeat beyond MAIL_PER_ADDRESS_PER_HOUR mails to the address within the hour is not
    dropped but delayed: it waits an hour, behind any other delayed mail of that address,
    and the sender sends it then. So flooding someone's inbox through the form gets them
    their own confirmations and at most one further mail an hour.

    Only the row is written here, with Core statements (one for a new signature: this runs on
    every signature; a read and a write for a repeat): the sender composes the mail
    (templates, links, tokens) on its first attempt, off the signer's request, and stores it
    for every retry.
    """
    if not repeat or signature.status is SignatureStatus.PENDING:
        kind = MailKind.CONFIRM
    elif signature.status is SignatureStatus.CONFIRMED:
        kind = MailKind.ALREADY_SIGNED
    else:
        return None
    return _queue(kind, signature.email, first=not repeat, signature_id=signature.id)


def queue_submission_mail(
    submission_id: int, email: str, signed: Sequence[tuple[bool, SignatureLike]]
) -> int | None:
    """The one mail of a form that signed several petitions at once (`signed`: whether each
    signature is new, and the signature); never commits. Returns the outbox row's id, or
    None when no mail is due. The rules of `queue_signature_mail`, for the whole:

    - a confirmation when any of its signatures waits for one (new, or a pending repeat);
      else an "already signed" mail when any was confirmed before; else nothing (only
      withdrawn or invalid signatures);
    - at once when any signature is new; a submission of repeats only counts against the
      per-address cap like any repeat (delayed beyond it, never dropped).
    """
    statuses = {signature.status for _new, signature in signed}
    if SignatureStatus.PENDING in statuses:
        kind = MailKind.CONFIRM
    elif SignatureStatus.CONFIRMED in statuses:
        kind = MailKind.ALREADY_SIGNED
    else:
        return None
    first = any(new for new, _signature in signed)
    return _queue(kind, email, first=first, submission_id=submission_id)


def mail_row(
    kind: MailKind,
    email: str,
    *,
    signature_id: int | None = None,
    submission_id: int | None = None,
) -> dict[str, Any]:
    """Every column of a new outbox row for `kind` to `email`, due now and not yet composed
    (the sender composes it on its first attempt). The sign service writes a signature and
    its confirmation with one statement on PostgreSQL, from this row."""
    now = utcnow()
    return {
        "message_id": new_message_id(),
        "kind": kind.value,
        "to_address": delivery_address(email),
        "subject": "",
        "body_text": "",
        "body_html": "",
        "headers": {},
        "signature_id": signature_id,
        "submission_id": submission_id,
        "status": OutboxStatus.PENDING,
        "attempts": 0,
        "next_attempt_at": now,
        "last_error": "",
        "attachments": [],
        "smtp_response": "",
        "created_at": now,
        "sent_at": None,
    }


def _queue(
    kind: MailKind,
    email: str,
    *,
    first: bool,
    signature_id: int | None = None,
    submission_id: int | None = None,
) -> int | None:
    row = mail_row(kind, email, signature_id=signature_id, submission_id=submission_id)
    now = row["created_at"]
    address = row["to_address"]
    connection = db.session.connection()
    if first:
        return _INSERT_MAIL.first_value(connection, row)
    # Repeats are the rare path: one read of the address's state, then the insert. The
    # advisory lock (PostgreSQL) or the write lock the signature's insert holds (SQLite)
    # keeps concurrent repeats for one address from counting alongside each other.
    _serialise_per_address(connection, address)
    state = connection.execute(
        _ADDRESS_STATE,
        # A submission's mail has no one signature whose waiting mail it could replace.
        {"to_address": address, "since": now - _HOUR, "now": now, "signature_id": signature_id},
    ).one()
    what = (
        f"signature {signature_id}" if signature_id is not None else f"submission {submission_id}"
    )
    if state.waiting:
        log.info("%s already has a mail waiting; no second %s mail", what, kind)
        return None
    if state.recent >= _hourly_cap():
        # Delayed, never dropped: an hour later for each delayed mail already waiting.
        row["next_attempt_at"] = now + _HOUR * (state.delayed + 1)
        log.info("mail cap reached: %s's %s mail waits until %s", what, kind,
                 row["next_attempt_at"])  # fmt: skip
    return _INSERT_MAIL.first_value(connection, row)


_outbox = cast(Table, OutboxMessage.__table__)
_HOUR = timedelta(hours=1)
# Every column given (see mail_row): this runs on every signature, so on the DBAPI cursor.
_INSERT_MAIL = PreparedStatement(
    insert(_outbox)
    .values({column.key: bindparam(column.key) for column in _outbox.c if column.key != "id"})
    .returning(_outbox.c.id)
)
_TIME = _outbox.c.created_at.type
# The cap counts only the mail that signing can trigger: updates staff send to a signer must
# not use up, delay or hold back the confirmation mail of their next signature.
_SIGNING_MAIL = _outbox.c.kind.in_([MailKind.CONFIRM.value, MailKind.ALREADY_SIGNED.value])
_ADDRESS_STATE = select(
    # Mails to the address written within the hour (the cap counts these)...
    select(func.count())
    .select_from(_outbox)
    .where(
        _outbox.c.to_address == bindparam("to_address"),
        _outbox.c.created_at >= bindparam("since", type_=_TIME),
        _SIGNING_MAIL,
    )
    .scalar_subquery()
    .label("recent"),
    # ...those of them delayed to a later hour...
    select(func.count())
    .select_from(_outbox)
    .where(
        _outbox.c.to_address == bindparam("to_address"),
        _outbox.c.status == OutboxStatus.PENDING,
        _outbox.c.next_attempt_at > bindparam("now", type_=_TIME),
        _SIGNING_MAIL,
    )
    .scalar_subquery()
    .label("delayed"),
    # ...and whether this signature has a mail not yet sent (nor tried).
    select(_outbox.c.id)
    .where(
        _outbox.c.signature_id == bindparam("signature_id"),
        _outbox.c.status == OutboxStatus.PENDING,
        _outbox.c.attempts == 0,
        _SIGNING_MAIL,
    )
    .exists()
    .label("waiting"),
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


# Mail to signers, whose address is theirs to have erased; a letter to an official keeps its
# address (the delivery ledger names whom it went to).
_TO_SIGNERS = [MailKind.CONFIRM.value, MailKind.ALREADY_SIGNED.value, MailKind.UPDATE.value]
_DONE = [OutboxStatus.SENT, OutboxStatus.FAILED]


def erase_sent_mail(now: datetime | None = None) -> tuple[int, int]:
    """The outbox's part of the privacy sweep; never commits. Returns (bodies, addresses):

    - the body and headers of every sent mail still holding them (the sender erases them as
      it sends; rows sent before that, or by an older release), and of every mail to a
      signer that failed for good (it will not be sent again);
    - the address of every mail to a signer once it is sent or failed and the per-address
      cap's hour is past (the cap counts the hour's mail by address).
    """
    now = now or utcnow()
    bodies = db.session.execute(
        update(OutboxMessage)
        .where(
            or_(
                OutboxMessage.status == OutboxStatus.SENT,
                and_(
                    OutboxMessage.status == OutboxStatus.FAILED,
                    OutboxMessage.kind.in_(_TO_SIGNERS),
                ),
            ),
            OutboxMessage.body_text != "",
        )
        .values(body_text="", body_html="", headers={})
        .execution_options(synchronize_session=False)
    )
    addresses = db.session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.status.in_(_DONE),
            OutboxMessage.kind.in_(_TO_SIGNERS),
            OutboxMessage.created_at < now - _HOUR,
            OutboxMessage.to_address != "",
        )
        .values(to_address="")
        .execution_options(synchronize_session=False)
    )
    return affected_rows(bodies), affected_rows(addresses)


def _hourly_cap() -> int:
    # Repeats within an hour beyond this wait: enough for a signer who lost the first mail,
    # useless for flooding someone else's inbox.
    return int(current_app.config["MAIL_PER_ADDRESS_PER_HOUR"])


def _serialise_per_address(connection: Connection, address: str) -> None:
    """On PostgreSQL, make concurrent requests for one address count its mail one after the
    other (or two could each see one mail and both add a second): a transaction-scoped
    advisory lock keyed by the address, released by the commit."""
    if connection.dialect.name == "postgresql":
        connection.execute(
            text("SELECT pg_advisory_xact_lock(hashtextextended(:address, 0))"),
            {"address": address},
        )
