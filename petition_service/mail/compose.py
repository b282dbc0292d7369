"""The mails a signer receives, rendered in their language from templates/emails/.

Rendering happens once, in the transaction that queues the mail; the outbox row then holds
the exact subject, both bodies and every header, so each retry sends the same message.
Templates get plain data, never ORM objects: what a mail may show is decided here.
"""

from __future__ import annotations

import enum
import uuid
from dataclasses import dataclass
from datetime import datetime
from email.utils import formatdate, parseaddr
from urllib.parse import urlsplit

from flask import current_app, render_template
from flask_babel import force_locale, gettext, ngettext

from ..petitions.texts import texts_for
from ..receipts.codes import format_receipt_code
from ..signatures.countries import country_name
from ..signatures.display import Display, printed_signer
from ..signatures.links import link_url, submission_link_url
from ..signatures.models import LinkPurpose, Signature, SignatureStatus, Submission
from .links import petition_url, public_url, signer_language

SUBJECT_MAX = 300  # the outbox column
DISPLAY_NAME_MAX = 120


class MailKind(enum.StrEnum):
    CONFIRM = "confirm"
    ALREADY_SIGNED = "already_signed"
    # Composed when queued, by their own modules (updates/compose.py, letters/delivery.py).
    UPDATE = "update"
    BATCH_LETTER = "batch_letter"


@dataclass(frozen=True)
class ComposedMail:
    kind: MailKind
    to_address: str
    subject: str
    body_text: str
    body_html: str
    headers: dict[str, str]


def one_line(value: str) -> str:
    """Header text from stored text: a newline in a title must not end the header."""
    return " ".join(value.split())


def sender_address() -> str:
    """The bare address of MAIL_DEFAULT_SENDER, which may itself carry a display name."""
    return parseaddr(current_app.config["MAIL_DEFAULT_SENDER"])[1] or "petitions@localhost"


def from_header(display_name: str) -> str:
    # A quoted display name survives commas and brackets in a title; the mail library
    # encodes non-ASCII (Vietnamese) names when it writes the header.
    name = one_line(display_name)[:DISPLAY_NAME_MAX]
    quoted = name.replace("\\", "\\\\").replace('"', '\\"')
    return f'"{quoted}" <{sender_address()}>'


def new_message_id() -> str:
    """A Message-ID made once per outbox row and reused on every retry, so a mail sent twice
    (a crash between sending and recording it) is recognisable as one message."""
    host = urlsplit(current_app.config["PUBLIC_BASE_URL"]).hostname or "localhost"
    return f"<{uuid.uuid4().hex}@{host}>"


def compose_signature_mail(
    signature: Signature, kind: MailKind, written_at: datetime, message_id: str
) -> ComposedMail:
    """Subject, text and HTML bodies and headers of `kind` for `signature`.

    `written_at` and `message_id` are the outbox row's, so the mail is the same message
    whenever it is composed and however often it is sent."""
    petition = signature.petition
    organisation = petition.organisation
    language = signer_language(signature)
    # The petition's own words in the signer's language, where the petition has them.
    texts = texts_for(petition, language)
    # A new random link of each kind per mail, stored hashed (signatures/links.py).
    unsubscribe = link_url(signature, LinkPurpose.WITHDRAW, written_at)
    correctable = signature.batch_id is None and signature.status in (
        SignatureStatus.PENDING,
        SignatureStatus.CONFIRMED,
    )
    context = {
        # What was submitted with this address, and how it will be printed: never a
        # greeting by that name, which whoever first used the address chose.
        "name": signature.name,
        "city": signature.city,
        "country": country_name(signature.country, language),
        "appearance": appearance(signature, language),
        "correct_url": (
            link_url(signature, LinkPurpose.CORRECT, written_at) if correctable else None
        ),
        "petition_title": texts.title,
        "petition_summary": texts.summary,
        "petition_language": texts.language,
        "organisation_name": organisation.name,
        "petition_url": petition_url(petition.slug),
        "confirm_url": (
            link_url(signature, LinkPurpose.CONFIRM, written_at)
            if kind is MailKind.CONFIRM
            else None
        ),
        "withdraw_url": unsubscribe,
        "ttl_hours": int(current_app.config.get("PENDING_SIGNATURE_TTL_HOURS", 72)),
        "language": language,
        # The signer's private receipt code: with it they check, once the letters are
        # delivered, that their signature is in them (receipts/).
        "receipt_code": format_receipt_code(signature.receipt_code),
        "receipt_lookup_url": public_url("receipts.lookup", lang=language),
    }
    with force_locale(language):
        if kind is MailKind.CONFIRM:
            subject = gettext("Please confirm your signature: %(title)s", title=texts.title)
        else:
            subject = gettext("You have already signed: %(title)s", title=texts.title)
        body_text = render_template(f"emails/{kind.value}.txt", **context)
        body_html = render_template(f"emails/{kind.value}.html", **context)

    headers = {
        "From": from_header(f"{texts.title} ({organisation.name})"),
        "Message-ID": message_id,
        # The time the mail was written, kept across retries like the Message-ID.
        "Date": formatdate(written_at.timestamp(), usegmt=True),
        # "Unsubscribe" from a signature means withdrawing it; the link opens a page with a
        # button (no List-Unsubscribe-Post: one click in a mail client must not withdraw).
        "List-Unsubscribe": f"<{unsubscribe}>",
        # Tells auto-responders (holiday replies) not to answer.
        "Auto-Submitted": "auto-generated",
    }
    if organisation.contact_email:
        headers["Reply-To"] = organisation.contact_email
    return ComposedMail(
        kind=kind,
        to_address=delivery_address(signature.email),
        subject=one_line(subject)[:SUBJECT_MAX],
        body_text=body_text,
        body_html=body_html,
        headers=headers,
    )


@dataclass(frozen=True)
class SubmissionItem:
    """One petition of a mail that signed several at once, as its templates show it."""

    title: str
    language: str
    url: str
    state: str  # "pending" (to confirm) or "confirmed" (it was, before this submission)
    repeat: bool  # that address had signed it before: the stored signature stays as it was
    appearance: str
    receipt_code: str | None
    withdraw_url: str
    correct_url: str | None


def compose_submission_mail(
    submission: Submission, kind: MailKind, written_at: datetime, message_id: str
) -> ComposedMail:
    """The one mail of a form that signed several petitions at once (signatures/together.py):
    every petition with how the signer appears on it, its receipt code and its own withdraw
    and correction links, and one confirm link for them all.

    Raises LookupError when none of its signatures is left to write about."""
    from ..signatures.together import submission_signatures

    listed = [
        (item, signature)
        for item, signature in submission_signatures(submission.id)
        if signature.email
        and signature.status in (SignatureStatus.PENDING, SignatureStatus.CONFIRMED)
    ]
    if not listed:
        raise LookupError("every signature of this submission was withdrawn or purged")
    first = listed[0][1]
    language = signer_language(first)
    organisation = (
        submission.organisation
        if submission.organisation is not None
        else first.petition.organisation
    )
    items = []
    for item, signature in listed:
        texts = texts_for(signature.petition, language)
        items.append(
            SubmissionItem(
                title=texts.title,
                language=texts.language,
                url=petition_url(signature.petition.slug),
                state=signature.status.value,
                repeat=item.repeat,
                appearance=appearance(signature, language),
                receipt_code=format_receipt_code(signature.receipt_code),
                withdraw_url=link_url(signature, LinkPurpose.WITHDRAW, written_at),
                correct_url=(
                    link_url(signature, LinkPurpose.CORRECT, written_at)
                    if signature.batch_id is None
                    else None
                ),
            )
        )
    # What this form sent (a repeat keeps what its address sent first, shown per petition).
    sent = next((signature for item, signature in listed if not item.repeat), None)
    pending = any(entry.state == SignatureStatus.PENDING.value for entry in items)
    context = {
        "kind": kind.value,
        "items": items,
        "sent": (
            {
                "name": sent.name,
                "city": sent.city,
                "country": country_name(sent.country, language),
            }
            if sent is not None
            else None
        ),
        "confirm_url": (
            submission_link_url(submission.id, LinkPurpose.CONFIRM, language, written_at)
            if kind is MailKind.CONFIRM and pending
            else None
        ),
        "organisation_name": organisation.name,
        "organisation_url": public_url("organisations.show", slug=organisation.slug),
        "ttl_hours": int(current_app.config.get("PENDING_SIGNATURE_TTL_HOURS", 72)),
        "language": language,
        "receipt_lookup_url": public_url("receipts.lookup", lang=language),
    }
    count = len(items)
    with force_locale(language):
        if kind is MailKind.CONFIRM:
            subject = ngettext(
                "Please confirm your signature: %(num)d petition of %(organisation)s",
                "Please confirm your signatures: %(num)d petitions of %(organisation)s",
                count,
                organisation=organisation.name,
            )
        else:
            subject = ngettext(
                "You have already signed: %(num)d petition of %(organisation)s",
                "You have already signed: %(num)d petitions of %(organisation)s",
                count,
                organisation=organisation.name,
            )
        body_text = render_template("emails/several.txt", **context)
        body_html = render_template("emails/several.html", **context)

    headers = {
        "From": from_header(organisation.name),
        "Message-ID": message_id,
        "Date": formatdate(written_at.timestamp(), usegmt=True),
        # No List-Unsubscribe: it names one address, and this mail has a withdraw link per
        # petition (a mail client's one "unsubscribe" must not withdraw them all, or one).
        "Auto-Submitted": "auto-generated",
    }
    if organisation.contact_email:
        headers["Reply-To"] = organisation.contact_email
    return ComposedMail(
        kind=kind,
        to_address=delivery_address(first.email),
        subject=one_line(subject)[:SUBJECT_MAX],
        body_text=body_text,
        body_html=body_html,
        headers=headers,
    )


def appearance(signature: Signature, language: str) -> str:
    """How the signature appears on the letter, in words, in `language` (call it inside
    `force_locale(language)`, or in a request in that language)."""
    printed = printed_signer(signature.name, signature.city, signature.country, signature.display)
    with force_locale(language):
        if printed.display is Display.ANONYMOUS:
            return gettext("Not named: you are counted among the signers, nothing more.")
        place = country_name(printed.country, language)
        shown = ", ".join(part for part in (printed.name, printed.city, place) if part)
        if printed.display is Display.INITIALS:
            return gettext("%(shown)s (initials and country only)", shown=shown)
        return shown


def delivery_address(email: str) -> str:
    """The address mail goes to, and the key of the per-address cap.

    Lower-cased whole: mail systems treat local parts case-insensitively in practice, and a
    cap keyed on the address as typed would let `Victim@` and `victim@` each get their share.
    """
    return email.strip().lower()
