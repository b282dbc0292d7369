"""Plain data handed to the renderer: no ORM objects, no markup, nothing lazy.

The batch service builds these from a batch's frozen snapshot, so the renderer never
touches the database and a re-render sees exactly what the freeze saw.
"""

from __future__ import annotations

import dataclasses
import datetime
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field

from ..signatures.display import Display


@dataclass(frozen=True)
class LetterRecipient:
    name: str
    title: str
    salutation: str
    #: Lines separated by "\n".
    postal_address: str
    #: The language the recipient reads: their letter is printed in it where the petition
    #: has its texts in it ("" or another language: the petition's own).
    language: str = ""


@dataclass(frozen=True)
class Signer:
    """A signer as the letters show them (signatures/display.py), in no language yet: the
    renderer words their country, and the label of a withheld name, in each recipient's
    letter's language."""

    number: int
    #: As printed: the name, its initials, or "" for a signer counted only.
    name: str
    city: str
    #: ISO 3166-1 alpha-2, "" for none: printed as the country's name in each letter's
    #: language (a code nobody knows as it is given), and picks the regional forms of Han
    #: characters (JP, KR, TW, HK, CN).
    country_code: str
    signed_on: datetime.date
    display: Display = Display.FULL

    @property
    def withheld(self) -> bool:
        """Nothing to print as the name (counted only, or initials of a name without a
        letter): the letter prints its label for a withheld name instead."""
        return not self.name and self.display != Display.FULL


@dataclass(frozen=True)
class LetterText:
    """The petition's words in one more language (a translation frozen with the batch)."""

    petition_title: str
    letter_paragraphs: tuple[str, ...]
    closing: str


@dataclass(frozen=True)
class LetterContext:
    batch_id: str
    #: The petition's owner: named in every footer.
    organisation: str
    petition_title: str
    #: The petition's language (e.g. "en", "vi", "ar"): the letter's direction and the
    #: language of the words around it (English where there are none in that language).
    language: str
    letter_paragraphs: tuple[str, ...]  # a list is accepted and converted
    closing: str  # e.g. "Yours sincerely,"
    issued_on: datetime.date
    #: Written as the PDFs' creation date. The batch's creation time makes a re-render of
    #: the same batch produce the same bytes up to the digital signature.
    created_at: datetime.datetime | None = None
    #: Every organisation the letter is sent on behalf of, the owner first: named in the
    #: letterhead and, in annex mode, the signature block. Empty: the owner alone.
    sponsors: tuple[str, ...] = ()
    #: The batch's public receipt (printed and drawn as a QR code on every page) and the
    #: root of the Merkle tree of its signatures (printed on every page); "" for neither.
    receipt_url: str = ""
    merkle_root: str = ""
    #: The petition's texts in other languages, by language: a recipient who reads one of
    #: them gets the letter in it (see `for_language`).
    translations: Mapping[str, LetterText] = field(default_factory=dict, hash=False)

    def __post_init__(self) -> None:
        if not isinstance(self.letter_paragraphs, tuple):
            object.__setattr__(self, "letter_paragraphs", tuple(self.letter_paragraphs))
        if not isinstance(self.sponsors, tuple):
            object.__setattr__(self, "sponsors", tuple(self.sponsors))

    @property
    def sponsor_names(self) -> tuple[str, ...]:
        return self.sponsors or (self.organisation,)

    def for_language(self, language: str) -> LetterContext:
        """The letter as a reader of ``language`` gets it: the petition's texts in that
        language (and with them the words around the letter, its dates and direction) where
        it has them, else the petition's own."""
        text = self.translations.get(language) if language else None
        if text is None or language == self.language:
            return self
        return dataclasses.replace(
            self,
            language=language,
            petition_title=text.petition_title,
            letter_paragraphs=tuple(text.letter_paragraphs),
            closing=text.closing,
        )


@dataclass
class RenderResult:
    pages: int
    #: Names (as given) of signers whose name, city or country has a character no font of
    #: the set can draw (signing refuses those; older rows may have them): it is printed as
    #: an empty box, the text under it still extractable.
    degraded_names: list[str] = field(default_factory=list)
    #: Letter fields (e.g. "recipient.name", "letter") with such characters.
    degraded_fields: list[str] = field(default_factory=list)
    signed: bool = False
    bytes_written: int = 0


#: Signers may be given as an iterable (consumed once) or as a zero-argument callable
#: returning a fresh iterator (like re-running a query). The renderer needs one pass only.
SignerSource = Iterable[Signer] | Callable[[], Iterator[Signer]]
ProgressFn = Callable[[int, int], None]


class LetterTooLongError(ValueError):
    """The letter does not fit on one A4 page in ``letters`` mode."""


class SignerCountMismatch(ValueError):
    """The signer source yielded a different number of signers than ``total``."""
