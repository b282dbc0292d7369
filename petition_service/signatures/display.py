"""How a signer appears to the people a petition is delivered to.

A signer chooses one of three (`display`):

- `full`: name, city and country are printed;
- `initials`: the initials of the name and the country, no city;
- `anonymous`: counted ("on behalf of N signers"), nothing printed that names or places them.

When a signer does not say, `initials` is chosen for a signer whose country is one of the
petition's `protected_countries` (people who live under the government they petition), and
`full` otherwise. `printed_signer` is the one place that turns a stored signature into what is
printed: the letters, the canonical list hashed into `signatures_sha256` and the Merkle
leaves, and the mail that tells a signer how they will appear all use it.

Initials are made of grapheme clusters (what a reader sees as one character, marks and
conjuncts included), never of code points, so every script of the contract's list gets
something sensible (see `initials`).
"""

from __future__ import annotations

import enum
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

import regex


class Display(enum.StrEnum):
    FULL = "full"
    INITIALS = "initials"
    ANONYMOUS = "anonymous"


DISPLAY_CHOICES = tuple(choice.value for choice in Display)


def default_display(country: str, protected_countries: Iterable[str]) -> Display:
    """What a signer who did not choose gets: initials in a protected country, else full."""
    return Display.INITIALS if country.upper() in protected_countries else Display.FULL


def parse_display(raw: object) -> Display | None:
    """The submitted choice, None when absent or empty; ValueError when it is not one."""
    if raw is None:
        return None
    if not isinstance(raw, str):
        raise ValueError(raw)
    text = raw.strip().lower()
    return Display(text) if text else None


@dataclass(frozen=True)
class PrintedSigner:
    """A signer as printed: each field exactly as it appears (empty: nothing printed)."""

    name: str
    city: str
    country: str  # the ISO code; the letter prints its name in the letter's language
    display: Display


def printed_signer(name: str, city: str, country: str, display: str | Display) -> PrintedSigner:
    """What the letters carry for a signature (see the module docstring)."""
    choice = Display(display)
    if choice is Display.FULL:
        return PrintedSigner(name, city, country, choice)
    if choice is Display.INITIALS:
        return PrintedSigner(initials(name), "", country, choice)
    return PrintedSigner("", "", "", choice)


# --------------------------------------------------------------------------------------
# Initials

# Scripts written without spaces between family and given name, family name first, where an
# "initial" is a whole character and is not followed by a full stop.
_EAST_ASIAN = regex.compile(r"[\p{Han}\p{Hiragana}\p{Katakana}\p{Hangul}]")
# Thai and Lao write some vowels before the consonant they follow in speech; an abbreviation
# in these scripts is the consonant alone, with a full stop (Thai "ม.ค." for January).
_THAI_LAO_CONSONANT = regex.compile(r"[\u0e01-\u0e2e\u0e81-\u0eae]")
_THAI_LAO = regex.compile(r"[\p{Thai}\p{Lao}]")
_LETTER = regex.compile(r"\p{L}")
# Georgian has capitals (Mtavruli) only for all-capital titles: a name's initial stays as typed.
_NO_CAPITALS = regex.compile(r"\p{Georgian}")
_CLUSTER = regex.compile(r"\X")
# What may end a cluster without being part of the letter: a virama, coeng or al-lakuna
# waiting for the next consonant, and the joiners that request a conjunct form.
_DANGLING = {"\u200c", "\u200d"}


def _dangling(char: str) -> bool:
    return char in _DANGLING or unicodedata.combining(char) == 9  # canonical class: virama


def _initial(word: str) -> tuple[str, bool] | None:
    """(initial, followed by a full stop) of one word, or None for a word without letters."""
    start = _LETTER.search(word)
    if start is None:
        return None
    rest = word[start.start() :]
    if _THAI_LAO.match(rest):
        consonant = _THAI_LAO_CONSONANT.search(rest)
        return (consonant.group(), True) if consonant else (rest[0], True)
    cluster = _CLUSTER.match(rest)
    text = cluster.group() if cluster else rest[0]
    while len(text) > 1 and _dangling(text[-1]):
        text = text[:-1]
    upper = text[0].upper()
    # "ß" would become "SS": such letters stay as typed.
    if len(upper) == 1 and not _NO_CAPITALS.match(text):
        text = upper + text[1:]
    return text, not _EAST_ASIAN.match(text)


def initials(name: str) -> str:
    """The initials of a name, one per word (words are separated by spaces).

    - Alphabets (Latin with Vietnamese, Greek, Cyrillic, Armenian, Georgian, Hebrew, Arabic,
      Ethiopic, ...): each word's first letter with its marks, in capitals where the script
      has them, and a full stop: "Nguyễn Văn Ánh" -> "N. V. Á.", "محمد علي" -> "م. ع.".
    - Indic scripts (Devanagari, Bengali, Tamil, Sinhala, ...), Khmer, Myanmar, Tibetan: each
      word's first grapheme cluster, its vowel sign and conjunct included, which is how
      initials are written there (Tamil "மு. கருணாநிதி"): "राजेश कुमार" -> "रा. कु.". A
      virama or joiner left dangling at the end of the cluster is dropped.
    - Thai and Lao: each word's first consonant (a vowel written before it is skipped) and a
      full stop: "สมชาย ใจดี" -> "ส. จ.".
    - Han, Hiragana, Katakana, Hangul: names are written family name first, usually as one
      word; the initial is the first character, without a full stop: "毛泽东" -> "毛",
      "김민준" -> "김", "山田 太郎" -> "山 太".

    A name whose words have no letter at all (it cannot pass signing) gives "".
    """
    parts = []
    for word in name.split():
        found = _initial(word)
        if found is not None:
            text, stop = found
            parts.append(text + "." if stop else text)
    return unicodedata.normalize("NFC", " ".join(parts))
