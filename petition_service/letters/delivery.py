"""Delivering a batch by email: each recipient with an address gets one mail from the
organisation, their signed PDF and `manifest.json` attached, through the durable outbox.

The delivery ledger holds one `BatchMail` per batch and file (a unique pair), so asking
again sends nothing twice; a mail that failed for good is queued again (it never reached
anyone). The PDFs are attached by reference to batch storage and read when the mail is
sent, never copied into the database. When the last recipient's mail is accepted by the
mail server, the batch is recorded as delivered by email.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime
from email.utils import formatdate
from typing import Any, cast

from flask import current_app, render_template
from flask_babel import force_locale, gettext
from sqlalchemy import Table, func, select, update

from ..errors import ConflictError
from ..extensions import db
from ..i18n import DEFAULT_LANGUAGE, SUPPORTED_LANGUAGES
from ..mail import sender
from ..mail.compose import SUBJECT_MAX, MailKind, from_header, new_message_id, one_line
from ..mail.models import OutboxMessage, OutboxStatus
from ..petitions.models import Recipient
from ..staff.models import StaffUser
from ..types import inserts_skipping_conflicts, utcnow
from .models import Batch, BatchDocument, BatchMail, BatchStatus
from .storage import batch_storage

log = logging.getLogger(__name__)

MANIFEST_NAME = "manifest.json"
#: Files sent beside each recipient's PDF when they exist: the manifest, and its own
#: detached signature where the batch has one.
COMPANION_FILES = (MANIFEST_NAME, MANIFEST_NAME + ".sig")


class DeliveryError(ConflictError):
    """A batch cannot be sent by email as asked (a 409 when it reaches errors.py)."""


# --------------------------------------------------------------------------------------
# Who gets what


def recipient_of(batch: Batch, document: BatchDocument) -> Recipient | None:
    """The petition's recipient a document is addressed to, as the petition has them now
    (so an address corrected after the freeze is the one used): matched by name."""
    matches = [r for r in batch.petition.recipients if r.name == document.recipient_name]
    return matches[0] if len(matches) == 1 else None


def recipient_address(batch: Batch, document: BatchDocument) -> str | None:
    recipient = recipient_of(batch, document)
    address = (recipient.email or "").strip() if recipient else ""
    return address or None


def letter_language(batch: Batch, document: BatchDocument) -> str:
    """The language the recipient's letter is printed in: theirs where the petition had its
    texts in it at the freeze, else the petition's (as `LetterContext.for_language`)."""
    snapshot = batch.snapshot or {}
    own = snapshot.get("language") or DEFAULT_LANGUAGE
    languages = snapshot.get("recipient_languages") or []
    theirs = languages[document.position] if document.position < len(languages) else ""
    return theirs if theirs in (snapshot.get("texts") or {}) else own


def recipient_language(batch: Batch, document: BatchDocument) -> str:
    """The language a recipient's mail is written in: their letter's, where the service
    speaks it (English otherwise)."""
    language = letter_language(batch, document)
    return language if language in SUPPORTED_LANGUAGES else DEFAULT_LANGUAGE


# --------------------------------------------------------------------------------------
# Queueing


@dataclass
class SendReport:
    """What one request to send a batch did, recipient by recipient."""

    queued: list[int] = field(default_factory=list)  # outbox ids, new or queued again
    already: list[str] = field(default_factory=list)  # recipients mailed or being mailed
    no_address: list[str] = field(default_factory=list)
    lines: list[str] = field(default_factory=list)


_mails = cast(Table, BatchMail.__table__)
_INSERT_MAIL = inserts_skipping_conflicts(_mails, ["batch_id", "file_name"])


def queue_batch_mail(batch: Batch, by: StaffUser | None = None) -> SendReport:
    """Queue one mail per recipient with an address who has none yet; queue again the ones
    that failed for good. Runs in the caller's transaction: the caller commits, then sends
    (the CLI, at once) or kicks the sender (the staff page)."""
    if batch.status is not BatchStatus.DONE:
        raise DeliveryError(f"batch {batch.id} is {batch.status.value}, not rendered yet")
    storage = batch_storage()
    limit = int(current_app.config["BATCH_MAIL_MAX_BYTES"])
    existing = {
        mail.file_name: mail
        for mail in db.session.scalars(select(BatchMail).where(BatchMail.batch_id == batch.id))
    }
    report = SendReport()
    connection = db.session.connection()
    for document in batch.documents:
        name = document.recipient_name
        address = recipient_address(batch, document)
        mail = existing.get(document.file_name)
        if mail is not None:
            if _queue_again(mail, address):
                report.queued.append(mail.outbox_id or 0)
                report.lines.append(f"{name}: queued again after a failure")
            else:
                report.already.append(name)
                report.lines.append(f"{name}: already mailed, not sent again")
            continue
        if address is None:
            report.no_address.append(name)
            report.lines.append(f"{name}: no email address; deliver by another channel")
            continue
        attachments = _attachments(batch, document)
        size = sum(storage.path(batch.id, a["name"]).stat().st_size for a in attachments)
        if size > limit:
            raise DeliveryError(
                f"the letter to {name} is {size // 1_000_000} MB, over the mail limit "
                f"(BATCH_MAIL_MAX_BYTES); deliver it another way or use annex mode"
            )
        now = utcnow()
        mail_id = connection.execute(
            _INSERT_MAIL[connection.dialect.name],
            {
                "batch_id": batch.id,
                "file_name": document.file_name,
                "recipient_name": name,
                "to_address": address,
                "created_by_id": by.id if by else None,
                "created_at": now,
            },
        ).scalar()
        if mail_id is None:  # a concurrent request queued it first
            report.already.append(name)
            continue
        outbox = _outbox_row(batch, document, address, attachments, now)
        db.session.add(outbox)
        db.session.flush()
        connection.execute(
            update(BatchMail).where(BatchMail.id == mail_id).values(outbox_id=outbox.id)
        )
        report.queued.append(outbox.id)
        report.lines.append(f"{name} <{address}>: queued")
    db.session.flush()
    return report


def _queue_again(mail: BatchMail, address: str | None) -> bool:
    """A mail that failed for good reached nobody: send it again (to the address the
    recipient has now). One pending, sending or sent is left alone."""
    outbox = mail.outbox
    if outbox is None or outbox.status is not OutboxStatus.FAILED or address is None:
        return False
    mail.to_address = address
    outbox.to_address = address
    outbox.status = OutboxStatus.PENDING
    outbox.attempts = 0
    outbox.next_attempt_at = utcnow()
    outbox.last_error = ""
    return True


def _attachments(batch: Batch, document: BatchDocument) -> list[dict[str, Any]]:
    storage = batch_storage()
    attachments = [
        {
            "store": "batch",
            "batch_id": batch.id,
            "name": document.file_name,
            "filename": document.file_name,
            "type": "application/pdf",
        }
    ]
    for name in COMPANION_FILES:
        if storage.exists(batch.id, name):
            kind = "application/json" if name.endswith(".json") else "application/octet-stream"
            attachments.append(
                {
                    "store": "batch",
                    "batch_id": batch.id,
                    "name": name,
                    "filename": name,
                    "type": kind,
                }
            )
    return attachments


def _outbox_row(
    batch: Batch,
    document: BatchDocument,
    address: str,
    attachments: list[dict[str, Any]],
    now: datetime,
) -> OutboxMessage:
    from ..receipts.service import receipt_url

    snapshot = batch.snapshot or {}
    language = recipient_language(batch, document)
    # Their letter's words (the title as their letter has it).
    letter_texts = (snapshot.get("texts") or {}).get(letter_language(batch, document)) or {}
    recipient: dict[str, Any] = next(
        (r for r in snapshot.get("recipients", []) if r.get("name") == document.recipient_name),
        {},
    )
    organisation = batch.petition.organisation
    context = {
        "language": language,
        "recipient_name": document.recipient_name,
        "salutation": recipient.get("salutation") or "",
        "petition_title": letter_texts.get("title")
        or snapshot.get("title")
        or batch.petition.title,
        "organisation_name": snapshot.get("organisation") or organisation.name,
        "signature_count": batch.signature_count,
        "file_name": document.file_name,
        "receipt_url": receipt_url(batch),
        "contact_email": organisation.contact_email,
    }
    with force_locale(language):
        subject = gettext(
            "%(title)s: a letter signed by %(count)s people",
            title=context["petition_title"],
            count=batch.signature_count,
        )
        body_text = render_template("emails/batch_letter.txt", **context)
        body_html = render_template("emails/batch_letter.html", **context)
    message_id = new_message_id()
    headers = {
        "From": from_header(organisation.name),
        "Message-ID": message_id,
        "Date": formatdate(now.timestamp(), usegmt=True),
    }
    if organisation.contact_email:
        headers["Reply-To"] = organisation.contact_email
    return OutboxMessage(
        message_id=message_id,
        kind=MailKind.BATCH_LETTER,
        to_address=address,
        subject=one_line(subject)[:SUBJECT_MAX],
        body_text=body_text,
        body_html=body_html,
        headers=headers,
        attachments=attachments,
        status=OutboxStatus.PENDING,
        next_attempt_at=now,
        created_at=now,
    )


# --------------------------------------------------------------------------------------
# The ledger


@dataclass(frozen=True)
class MailLine:
    """One recipient's line of the ledger, as the batch page and the CLI show it."""

    recipient: str
    address: str
    status: str  # pending, sending, sent, failed
    attempts: int
    sent_at: datetime | None
    answer: str
    error: str


def batch_mail_ledger(batch_id: int) -> list[MailLine]:
    rows = db.session.execute(
        select(BatchMail, OutboxMessage)
        .outerjoin(OutboxMessage, BatchMail.outbox_id == OutboxMessage.id)
        .where(BatchMail.batch_id == batch_id)
        .order_by(BatchMail.file_name)
    ).all()
    return [
        MailLine(
            recipient=mail.recipient_name,
            address=mail.to_address,
            status=outbox.status.value if outbox else "failed",
            attempts=outbox.attempts if outbox else 0,
            sent_at=outbox.sent_at if outbox else None,
            answer=outbox.smtp_response if outbox else "",
            error=outbox.last_error if outbox else "the outbox row is gone",
        )
        for mail, outbox in rows
    ]


@sender.after_sent(MailKind.BATCH_LETTER)
def record_email_delivery(outbox_id: int) -> None:
    """Once every mailed recipient's letter is accepted, write the batch's delivery in the
    ledger (channel `email`), unless staff recorded a delivery already."""
    mail = db.session.scalar(select(BatchMail).where(BatchMail.outbox_id == outbox_id))
    if mail is None:
        return
    batch_id = mail.batch_id
    statuses = db.session.execute(
        select(OutboxMessage.status, func.max(OutboxMessage.sent_at), func.count())
        .select_from(BatchMail)
        .join(OutboxMessage, BatchMail.outbox_id == OutboxMessage.id)
        .where(BatchMail.batch_id == batch_id)
        .group_by(OutboxMessage.status)
    ).all()
    if {status for status, _last, _n in statuses} != {OutboxStatus.SENT}:
        return
    last_sent = statuses[0][1] or utcnow()
    mailed = statuses[0][2]
    db.session.execute(
        update(Batch)
        .where(Batch.id == batch_id, Batch.delivered_at.is_(None))
        .values(
            delivered_at=last_sent,
            delivery_channel="email",
            delivery_note=f"Sent by email to {mailed} recipients.",
            delivered_by_id=mail.created_by_id,
        )
        .execution_options(synchronize_session=False)
    )
    db.session.commit()


def send_queued_now(outbox_ids: list[int]) -> tuple[int, list[str]]:
    """Send these outbox mails in this process (the CLI); (how many went out, problems)."""
    sent, problems = 0, []
    for outbox_id in outbox_ids:
        if sender.deliver(outbox_id):
            sent += 1
            continue
        row = db.session.get(OutboxMessage, outbox_id, populate_existing=True)
        if row is not None and row.status is OutboxStatus.SENT:
            continue  # another process sent it meanwhile
        problems.append(
            f"{row.to_address if row else outbox_id}: {row.last_error if row else 'gone'}"
            + (" (will be retried)" if row and row.status is OutboxStatus.PENDING else "")
        )
    return sent, problems
