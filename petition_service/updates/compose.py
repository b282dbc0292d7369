"""The update mail a signer receives, in their language, with one-click unsubscribe.

Composed when the mailing queues it (a job, never a signer's request), so the outbox row
holds the exact message every retry sends.
"""

from __future__ import annotations

from datetime import datetime
from email.utils import formatdate
from urllib.parse import urlsplit

from flask import current_app, render_template
from flask_babel import force_locale

from ..mail.compose import (
    SUBJECT_MAX,
    ComposedMail,
    MailKind,
    delivery_address,
    from_header,
    one_line,
)
from ..mail.links import petition_url, public_url, signer_language
from ..signatures.models import Signature
from ..text import paragraphs
from .models import PetitionUpdate


def unsubscribe_url(token: str, language: str) -> str:
    return public_url("updates.unsubscribe", token=token, lang=language)


def compose_update_mail(
    update: PetitionUpdate,
    signature: Signature,
    unsubscribe_token: str,
    message_id: str,
    written_at: datetime,
) -> ComposedMail:
    petition = signature.petition
    organisation = petition.organisation
    language = signer_language(signature)
    unsubscribe = unsubscribe_url(unsubscribe_token, language)
    context = {
        "name": signature.name,
        "subject": update.subject,
        "paragraphs": paragraphs(update.body),
        "text_language": update.language,
        "petition_title": petition.title,
        "petition_language": petition.language,
        "organisation_name": organisation.name,
        "petition_url": petition_url(petition.slug),
        "unsubscribe_url": unsubscribe,
        "language": language,
    }
    # The staff's text is as they wrote it; everything around it is in the signer's language.
    with force_locale(language):
        body_text = render_template("emails/update.txt", **context)
        body_html = render_template("emails/update.html", **context)
    host = urlsplit(current_app.config["PUBLIC_BASE_URL"]).hostname or "localhost"
    headers = {
        "From": from_header(f"{petition.title} ({organisation.name})"),
        "Message-ID": message_id,
        "Date": formatdate(written_at.timestamp(), usegmt=True),
        # RFC 8058: a mail client may POST "List-Unsubscribe=One-Click" to this URL, with
        # no cookie and no page in between; it stops this petition's updates, nothing more.
        "List-Unsubscribe": f"<{unsubscribe}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        "List-Id": f"<{petition.slug}.updates.{host}>",
        "Auto-Submitted": "auto-generated",
    }
    if organisation.contact_email:
        headers["Reply-To"] = organisation.contact_email
    return ComposedMail(
        kind=MailKind.UPDATE,
        to_address=delivery_address(signature.email),
        subject=one_line(update.subject)[:SUBJECT_MAX],
        body_text=body_text,
        body_html=body_html,
        headers=headers,
    )
