"""A petition's texts in the reader's language, where the petition has them.

The petition's own columns hold its texts in `petition.language`; `PetitionText` rows hold
whole translations. A reader gets the translation in their language when there is one, else
the petition's own texts: never a mixture of the two.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..i18n import LANGUAGE_NAMES
from .models import Petition, PetitionText

__all__ = ["LANGUAGE_NAMES", "TEXT_LANGUAGES", "PetitionTexts", "texts_for", "languages_of"]

# The languages a petition's texts may be written in (those the pages speak, too).
TEXT_LANGUAGES = ("en", "vi")


@dataclass(frozen=True)
class PetitionTexts:
    language: str
    title: str
    summary: str
    story: str
    letter_body: str
    letter_closing: str


def own_texts(petition: Petition) -> PetitionTexts:
    return PetitionTexts(
        language=petition.language,
        title=petition.title,
        summary=petition.summary,
        story=petition.story,
        letter_body=petition.letter_body,
        letter_closing=petition.letter_closing,
    )


def translation_texts(text: PetitionText) -> PetitionTexts:
    return PetitionTexts(
        language=text.language,
        title=text.title,
        summary=text.summary,
        story=text.story,
        letter_body=text.letter_body,
        letter_closing=text.letter_closing,
    )


def texts_for(petition: Petition, language: str) -> PetitionTexts:
    """The petition's texts in `language` if it has them, else in its own language."""
    if language != petition.language:
        for text in petition.translations:
            if text.language == language:
                return translation_texts(text)
    return own_texts(petition)


def languages_of(petition: Petition) -> list[str]:
    """The petition's own language first, then those it is translated into."""
    return [petition.language] + [
        text.language for text in petition.translations if text.language != petition.language
    ]


def all_texts(petition: Petition) -> dict[str, PetitionTexts]:
    """Every language's texts, the petition's own language first."""
    return {language: texts_for(petition, language) for language in languages_of(petition)}
