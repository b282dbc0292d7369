"""First drafts of an update for the moments a campaign has news: a victory, a delivery, an
answer from the officials. Written in the petition's language (its signers read it), for
staff to edit before publishing."""

from __future__ import annotations

from flask_babel import force_locale, gettext

from ..i18n import DEFAULT_LANGUAGE, SUPPORTED_LANGUAGES
from ..letters.models import Batch
from ..petitions.models import Petition


def _language(petition: Petition) -> str:
    return petition.language if petition.language in SUPPORTED_LANGUAGES else DEFAULT_LANGUAGE


def _names(batch: Batch | None, petition: Petition) -> str:
    recipients = (batch.snapshot or {}).get("recipients", []) if batch else []
    names = [r.get("name", "") for r in recipients] or [r.name for r in petition.recipients]
    return ", ".join(name for name in names if name)


def victory_subject(petition: Petition) -> str:
    with force_locale(_language(petition)):
        return gettext("Victory: %(title)s", title=petition.title)


def delivery_update(batch: Batch) -> tuple[str, str]:
    from ..receipts.service import receipt_url

    petition = batch.petition
    with force_locale(_language(petition)):
        subject = gettext("Your signatures were delivered")
        body = "\n\n".join(
            [
                gettext(
                    "We have delivered the letter “%(title)s”, with %(count)s signatures, "
                    "to %(names)s.",
                    title=petition.title,
                    count=batch.signature_count,
                    names=_names(batch, petition),
                ),
                gettext(
                    "Anyone can check what was delivered on its public receipt page, and you "
                    "can check there, with the receipt code from your confirmation, that your "
                    "own signature is in it: %(url)s",
                    url=receipt_url(batch),
                ),
                gettext("Thank you for signing."),
            ]
        )
    return subject, body


def answer_update(petition: Petition, batch: Batch | None = None) -> tuple[str, str]:
    with force_locale(_language(petition)):
        subject = gettext("The officials answered")
        body = "\n\n".join(
            [
                gettext(
                    "%(names)s answered our letter “%(title)s”.",
                    names=_names(batch, petition),
                    title=petition.title,
                ),
                gettext("[What they said, and what it means for the campaign.]"),
                gettext("Thank you for signing."),
            ]
        )
    return subject, body
