"""Delivering outbox mail: over SMTP when MAIL_SERVER is set, else as .eml files in
instance/outbox/. Runs in the job consumer (in-process by default, `flask worker` at scale).

Each row is claimed with one conditional UPDATE and that claim is committed before any
SMTP traffic, so two workers never send the same row and a worker that dies mid-send
leaves a lease that runs out: the row is then sent again, with the same Message-ID.
A failed attempt puts the row back with a growing delay (20 s, 40 s, ... at most 15 min)
and a delayed nudge; the minute sweep sends whatever a lost nudge left behind, so mail
accepted while the SMTP server is down goes out once it is back, restarts included.

A row may name attachments by reference (a batch's PDF in batch storage), read only when it is
sent; the server's answer to each accepted message is kept on the row (`smtp_response`), and a
module that queues a kind of mail may ask to be told when one is sent (`after_sent`).

Once a mail is sent its body and headers are erased from the row (they held the signer's
links and what they typed); the row keeps its Message-ID, kind, status, times and the
server's answer. Attachments stay as references: they point at the batch's own files.
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import re
import smtplib
import tempfile
import time
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from email.policy import compat32
from pathlib import Path
from typing import Any

from flask import current_app
from flask_mailman import EmailMultiAlternatives
from flask_mailman.backends.smtp import EmailBackend as SMTPBackend
from sqlalchemy import and_, or_, select, update

from .. import jobs
from ..extensions import db, mailman
from ..letters.storage import StorageError, batch_storage
from ..signatures.models import Signature, Submission, SubmissionSignature
from ..types import affected_rows, utcnow
from .compose import MailKind, compose_signature_mail, compose_submission_mail
from .models import OutboxMessage, OutboxStatus

log = logging.getLogger(__name__)


# Longer than any SMTP conversation (MAIL_TIMEOUT): a live worker never loses its claim.
LEASE = timedelta(minutes=5)
FIRST_RETRY = timedelta(seconds=20)
MAX_RETRY = timedelta(minutes=15)
# About a day of retries: 6 growing delays (~21 min), then one every 15 minutes.
DEFAULT_MAX_ATTEMPTS = 100
SWEEP_BATCH = 200


def retry_delay(attempts: int) -> timedelta:
    """The wait after the `attempts`-th failed attempt: 20 s, doubling, at most 15 min."""
    exponent = min(max(attempts - 1, 0), 16)
    return min(FIRST_RETRY * (2**exponent), MAX_RETRY)


def outbox_dir() -> Path:
    return Path(current_app.instance_path) / "outbox"


def send_due_mail(now: datetime | None = None, limit: int = SWEEP_BATCH) -> int:
    """Send every outbox row that is due (pending and due, or stuck in 'sending' past its
    lease); returns how many were delivered. Safe to run anywhere, any number of times."""
    due_by = now or utcnow()
    ids = list(
        db.session.scalars(
            select(OutboxMessage.id)
            .where(
                OutboxMessage.status.in_([OutboxStatus.PENDING, OutboxStatus.SENDING]),
                OutboxMessage.next_attempt_at <= due_by,
            )
            .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
            .limit(limit)
        )
    )
    db.session.commit()  # end the read before talking to the mail server
    if not ids:
        return 0
    with _one_sender_per_machine() as sending:
        if not sending:
            return 0  # another process of this instance is sending; it takes these too
        delivered = 0
        with _Transport() as transport:
            for position, message_id in enumerate(ids, start=1):
                delivered += deliver(message_id, now=now, transport=transport)
                if position % YIELD_EVERY == 0:
                    _yield_to_signers()
        return delivered


# Composing and encoding a mail costs far more CPU than recording a signature, so in the
# embedded default (web processes send the mail) sending must not starve signing in a surge:
# one process of the machine sends at a time, and while the machine is saturated it pauses
# between small groups of mails. Mail is durable; it goes out after the surge. Dedicated
# `flask worker` hosts (REDIS_URL) are not held back.
YIELD_EVERY = 10


@contextlib.contextmanager
def _one_sender_per_machine() -> Iterator[bool]:
    if jobs.uses_external_queue():
        yield True
        return
    lock_path = Path(current_app.instance_path) / "outbox.lock"
    with open(lock_path, "a+b") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


class _MachineLoad:
    """How busy the machine's CPUs were since the last look (Linux /proc/stat), so the sender
    notices a surge within a group of mails, not a minute later like the load average."""

    def __init__(self) -> None:
        self._last: tuple[int, int] | None = None

    @staticmethod
    def _sample() -> tuple[int, int] | None:
        try:
            with open("/proc/stat") as stat:
                fields = [int(value) for value in stat.readline().split()[1:]]
        except (OSError, ValueError):
            return None
        idle = fields[3] + (fields[4] if len(fields) > 4 else 0)  # idle + iowait
        return sum(fields), idle

    def busy_fraction(self) -> float:
        sample = self._sample()
        if sample is None:  # not Linux: fall back to the load average
            return os.getloadavg()[0] / (os.cpu_count() or 1)
        previous, self._last = self._last, sample
        if previous is None or sample[0] == previous[0]:
            return 0.0
        return 1 - (sample[1] - previous[1]) / (sample[0] - previous[0])


_machine = _MachineLoad()


def _yield_to_signers() -> None:
    if jobs.uses_external_queue():
        return
    # The sender itself keeps about one CPU busy; more than that means requests are waiting.
    busy = _machine.busy_fraction()
    threshold = float(current_app.config.get("MAIL_YIELD_ABOVE_BUSY", 0.75))
    if busy >= threshold:
        time.sleep(float(current_app.config.get("MAIL_SURGE_PAUSE_SECONDS", 1.0)))


def deliver(
    outbox_id: int, now: datetime | None = None, transport: _Transport | None = None
) -> bool:
    """Claim one outbox row, send it and record the outcome. False if another worker has it,
    it is not due, or sending failed (then it is rescheduled or, finally, marked failed)."""
    now = now or utcnow()
    claimed = db.session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.id == outbox_id,
            OutboxMessage.status.in_([OutboxStatus.PENDING, OutboxStatus.SENDING]),
            OutboxMessage.next_attempt_at <= now,
        )
        .values(
            status=OutboxStatus.SENDING,
            next_attempt_at=now + LEASE,
            attempts=OutboxMessage.attempts + 1,
        )
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    if affected_rows(claimed) != 1:
        return False

    row = db.session.get(OutboxMessage, outbox_id, populate_existing=True)
    if row is None:  # pragma: no cover - deleted between claim and read
        return False
    kind = row.kind
    try:
        if not row.body_text:
            _compose(row)
        if transport is None:
            with _Transport() as own:
                answer = own.send(row)
        else:
            answer = transport.send(row)
    except Exception as exc:
        _record_failure(row, exc, now)
        return False

    # Only a row still ours: a withdrawal may have cancelled it meanwhile. The body goes
    # with the sending: a backup of the outbox holds no one's links or words.
    db.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == outbox_id, OutboxMessage.status == OutboxStatus.SENDING)
        .values(
            status=OutboxStatus.SENT,
            sent_at=utcnow(),
            last_error="",
            smtp_response=answer[:500],
            **SENT_BODY_ERASED,
        )
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    _run_after_sent(kind, outbox_id)
    return True


#: What a sent row keeps of its mail: nothing of the body or headers (the Message-ID has a
#: column of its own).
SENT_BODY_ERASED: dict[str, Any] = {"body_text": "", "body_html": "", "headers": {}}


# What else must happen once a mail of a kind is sent (e.g. a batch whose every letter went
# out by email is recorded as delivered): registered by the modules that queue that kind.
_AFTER_SENT: dict[str, Callable[[int], None]] = {}


def after_sent(kind: str) -> Callable[[Callable[[int], None]], Callable[[int], None]]:
    """Register `callback(outbox_id)` to run, after the commit, when a `kind` mail is sent."""

    def register(callback: Callable[[int], None]) -> Callable[[int], None]:
        _AFTER_SENT[kind] = callback
        return callback

    return register


def _run_after_sent(kind: str, outbox_id: int) -> None:
    callback = _AFTER_SENT.get(kind)
    if callback is None:
        return
    try:
        callback(outbox_id)
    except Exception:
        # The mail is sent and recorded; what follows is re-derivable from the outbox.
        log.exception("after sending outbox mail %s (%s)", outbox_id, kind)
        db.session.rollback()


def _compose(row: OutboxMessage) -> None:
    """Write the mail of a row queued by the sign service, once: every retry sends it as is."""
    if row.submission_id is not None:
        submission = db.session.get(Submission, row.submission_id)
        if submission is None:  # pragma: no cover - the row's reference goes with it
            raise LookupError("the signatures of this mail were purged")
        mail = compose_submission_mail(
            submission, MailKind(row.kind), row.created_at, row.message_id
        )
    else:
        signature = db.session.get(Signature, row.signature_id) if row.signature_id else None
        if signature is None or not signature.email:
            raise LookupError("the signature of this mail was withdrawn or purged")
        mail = compose_signature_mail(signature, MailKind(row.kind), row.created_at, row.message_id)
    row.subject, row.body_text, row.body_html = mail.subject, mail.body_text, mail.body_html
    row.headers = mail.headers
    db.session.commit()


def _record_failure(row: OutboxMessage, exc: Exception, now: datetime) -> None:
    outbox_id, kind, attempts = row.id, row.kind, row.attempts
    error = f"{type(exc).__name__}: {exc}"[:1000]
    max_attempts = int(current_app.config.get("MAIL_MAX_ATTEMPTS", DEFAULT_MAX_ATTEMPTS))
    permanent = _is_permanent(exc)
    if permanent or attempts >= max_attempts:
        status, next_attempt_at = OutboxStatus.FAILED, now
        log.error(
            "giving up on outbox mail %s (%s) after %d attempts: %s",
            outbox_id,
            kind,
            attempts,
            error,
        )
    else:
        delay = retry_delay(attempts)
        status, next_attempt_at = OutboxStatus.PENDING, now + delay
        log.warning(
            "outbox mail %s attempt %d failed, retrying in %ss: %s",
            outbox_id,
            attempts,
            int(delay.total_seconds()),
            error,
        )
    db.session.rollback()
    db.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == outbox_id, OutboxMessage.status == OutboxStatus.SENDING)
        .values(status=status, next_attempt_at=next_attempt_at, last_error=error)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    if status is OutboxStatus.PENDING:
        _schedule_retry(outbox_id, next_attempt_at - now)


@jobs.task()
def deliver_outbox_message(outbox_id: int) -> None:
    """The delayed retry of one row; a no-op when the sweep got there first."""
    deliver(outbox_id)


def _schedule_retry(outbox_id: int, delay: timedelta) -> None:
    try:
        deliver_outbox_message.schedule(args=(outbox_id,), delay=delay.total_seconds())
    except Exception:
        # The row is pending in the database; the minute sweep will retry it.
        log.exception("could not schedule the retry of outbox mail %s", outbox_id)


def _is_permanent(exc: Exception) -> bool:
    """A 5xx answer about this mail (unknown mailbox, rejected content) will not change
    on retry; a refused connection, a timeout or a 4xx answer may. Nor will a mail whose
    signature is gone."""
    if isinstance(exc, LookupError):
        return True
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return all(code >= 500 for code, _ in exc.recipients.values())
    if isinstance(exc, smtplib.SMTPResponseException) and not isinstance(
        exc, smtplib.SMTPAuthenticationError
    ):
        return exc.smtp_code >= 500
    return False


# Header values are encoded (and folded where they must be) when they are set; refolding
# every line at 78 characters on output would only push a long value, such as the
# List-Unsubscribe URL, onto a continuation line after an empty first line.
_OUTPUT_POLICY = compat32.clone(max_line_length=998)


class _OutboxEmail(EmailMultiAlternatives):
    def message(self) -> Any:
        message = super().message()
        message.policy = _OUTPUT_POLICY
        return message


def build_email(row: OutboxMessage) -> EmailMultiAlternatives:
    """The message of an outbox row, the same on every attempt."""
    headers = dict(row.headers or {})
    email = _OutboxEmail(
        subject=row.subject,
        body=row.body_text,
        from_email=headers.get("From") or current_app.config["MAIL_DEFAULT_SENDER"],
        to=[row.to_address],
        headers=headers,
    )
    if row.body_html:
        email.attach_alternative(row.body_html, "text/html")
    for attachment in row.attachments or []:
        email.attach(attachment["filename"], _attachment_bytes(attachment), attachment["type"])
    return email


def _attachment_bytes(attachment: dict[str, Any]) -> bytes:
    """An attachment's bytes, read from where the reference points, at send time."""
    if attachment.get("store") != "batch":
        raise LookupError(f"unknown attachment store {attachment.get('store')!r}")
    try:
        with batch_storage().open(int(attachment["batch_id"]), attachment["name"]) as handle:
            return handle.read()
    except StorageError as exc:
        # Retrying will not bring a missing file back: a permanent failure.
        raise LookupError(str(exc)) from exc


class _Transport:
    """One SMTP connection for a sweep's worth of mail, or the .eml folder."""

    def __init__(self) -> None:
        self._smtp: Any = None

    def __enter__(self) -> _Transport:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._close()

    def send(self, row: OutboxMessage) -> str:
        """Send the row's mail; returns the server's answer to it (or where it was written)."""
        if not row.to_address:
            raise ValueError("outbox row has no address (erased)")
        email = build_email(row)
        if not current_app.config.get("MAIL_SERVER"):
            return f"written to {_write_eml(row, email.message().as_bytes())}"
        try:
            if self._smtp is None:
                self._smtp = _smtp_connection()
                self._smtp.open()
            if self._smtp.send_messages([email]) != 1:
                raise smtplib.SMTPException("the mail server did not accept the message")
            return str(getattr(self._smtp.connection, "last_reply", ""))
        except Exception:
            # A broken conversation must not be reused for the next mail.
            self._close()
            raise

    def _close(self) -> None:
        if self._smtp is not None:
            # Closing a dead connection may fail; it is gone either way.
            with contextlib.suppress(Exception):
                self._smtp.close()
            self._smtp = None


class _RecordingSMTP(smtplib.SMTP):
    """Keeps the server's answer to each message (smtplib drops it), for the ledger."""

    last_reply = ""

    def data(self, msg: Any) -> tuple[int, bytes]:
        code, text = super().data(msg)
        self.last_reply = f"{code} {text.decode('utf-8', 'replace')}"
        return code, text


class _RecordingSMTPSSL(smtplib.SMTP_SSL):
    last_reply = ""

    def data(self, msg: Any) -> tuple[int, bytes]:
        code, text = super().data(msg)
        self.last_reply = f"{code} {text.decode('utf-8', 'replace')}"
        return code, text


class _RecordingBackend(SMTPBackend):
    @property
    def connection_class(self) -> type[smtplib.SMTP]:
        return _RecordingSMTPSSL if self.use_ssl else _RecordingSMTP


def _smtp_connection() -> Any:
    config = current_app.config
    return mailman.get_connection(
        backend=_RecordingBackend,
        host=config["MAIL_SERVER"],
        port=config.get("MAIL_PORT") or 25,
        username=config.get("MAIL_USERNAME") or "",
        password=config.get("MAIL_PASSWORD") or "",
        use_tls=bool(config.get("MAIL_USE_TLS")),
        use_ssl=False,
        timeout=config.get("MAIL_TIMEOUT", 30),
    )


def eml_name(created_at: datetime, outbox_id: int) -> str:
    return f"{created_at:%Y%m%d-%H%M%S}-{outbox_id}.eml"


_EML_ID = re.compile(r"^\d{8}-\d{6}-(\d+)\.eml$")
_SIGNER_KINDS = [MailKind.CONFIRM.value, MailKind.ALREADY_SIGNED.value, MailKind.UPDATE.value]


def remove_mail_files(signature_ids: list[int] | None = None) -> int:
    """Delete the `.eml` files (mail written without MAIL_SERVER) of signatures withdrawn,
    erased by retention or purged: those of `signature_ids`, or, without it, every such
    file in the folder. Returns how many were deleted. Reads only; never commits.

    The one mail of several petitions signed at once goes once none of its signatures keeps
    its data (until then the others still hold what it says)."""
    folder = outbox_dir()
    if not folder.is_dir():
        return 0
    kept = (
        select(SubmissionSignature.signature_id)
        .join(Signature, Signature.id == SubmissionSignature.signature_id)
        .where(
            SubmissionSignature.submission_id == OutboxMessage.submission_id,
            Signature.email != "",
        )
        .exists()
    )
    of_erased = (
        OutboxMessage.kind.in_(_SIGNER_KINDS),
        or_(
            and_(
                OutboxMessage.signature_id.is_(None),
                or_(OutboxMessage.submission_id.is_(None), ~kept),
            ),
            OutboxMessage.signature_id.in_(select(Signature.id).where(Signature.email == "")),
        ),
    )
    if signature_ids is not None:
        submissions = select(SubmissionSignature.submission_id).where(
            SubmissionSignature.signature_id.in_(signature_ids)
        )
        query = select(OutboxMessage.id, OutboxMessage.created_at).where(
            or_(
                OutboxMessage.signature_id.in_(signature_ids),
                and_(OutboxMessage.submission_id.in_(submissions), ~kept),
            )
        )
        names = [eml_name(created_at, row_id) for row_id, created_at in db.session.execute(query)]
    else:
        present = {
            int(match.group(1)): path.name
            for path in folder.iterdir()
            if (match := _EML_ID.match(path.name))
        }
        ids = list(present)
        names = []
        for start in range(0, len(ids), SWEEP_BATCH):
            chunk = ids[start : start + SWEEP_BATCH]
            rows: dict[int, bool] = {
                row_id: bool(erased)
                for row_id, erased in db.session.execute(
                    select(OutboxMessage.id, and_(*of_erased)).where(OutboxMessage.id.in_(chunk))
                )
            }
            # A file whose row is gone (it went with its purged signature) goes too.
            names += [present[i] for i in chunk if rows.get(i, True)]
    removed = 0
    for name in names:
        path = folder / name
        if path.exists():
            path.unlink(missing_ok=True)
            removed += 1
    return removed


def _write_eml(row: OutboxMessage, data: bytes) -> str:
    """One file per outbox row, written whole or not at all: a retry replaces it."""
    folder = outbox_dir()
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / eml_name(row.created_at, row.id)
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=".tmp-", suffix=".eml")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return target.name
