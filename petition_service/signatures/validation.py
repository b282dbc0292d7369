"""Validating what a signer sends, the same way for the HTML form and the JSON API.

Messages are lazy-translated so each caller renders them in the signer's language.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from disposable_email_domains import blocklist as _disposable_domains
from email_validator import EmailNotValidError, validate_email
from flask_babel import lazy_gettext as _l

from .countries import country_codes
from .display import Display, parse_display

NAME_MAX_LENGTH = 120
CITY_MAX_LENGTH = 120
EMAIL_MAX_LENGTH = 254

SIGNATURE_FIELDS = ("name", "email", "country", "city", "consent", "updates", "display")
# Fields a client may send besides the signature itself.
CONTROL_FIELDS = ("form_token", "website", "altcha")

# Unicode categories a name never needs: controls, invisible format characters (bidi
# overrides, zero-width spaces), unassigned and private-use code points, surrogates,
# line and paragraph separators. U+FFFD stands for bytes that were not valid UTF-8.
_FORBIDDEN_CATEGORIES = {"Cc", "Cf", "Cn", "Co", "Cs", "Zl", "Zp"}
# Except the two joiners that spelling needs (Persian ZWNJ, the Sinhala and Indic ZWJ).
_SPELLING_JOINERS = {"\u200c", "\u200d"}
_REPLACEMENT_CHARACTER = "\ufffd"

# Providers that deliver "name+anything@" to "name@"; Gmail also ignores dots.
_PLUS_TAG_DOMAINS = {
    "gmail.com", "googlemail.com", "outlook.com", "hotmail.com", "live.com", "icloud.com",
    "me.com", "fastmail.com", "fastmail.fm", "proton.me", "protonmail.com", "pm.me",
}  # fmt: skip
_DOTLESS_DOMAINS = {"gmail.com", "googlemail.com"}
_DOMAIN_ALIASES = {"googlemail.com": "gmail.com"}

TRUE_VALUES = {"1", "true", "on", "yes", "y"}
FALSE_VALUES = {"", "0", "false", "off", "no", "n"}


@dataclass(frozen=True)
class SignatureInput:
    name: str
    email: str
    email_canonical: str
    country: str
    city: str
    consent: bool
    wants_updates: bool
    # None: the signer did not choose; the petition's default applies (display.py).
    display: Display | None = None


@dataclass
class ValidationResult:
    value: SignatureInput | None = None
    errors: dict[str, list[Any]] = field(default_factory=dict)

    def add(self, name: str, message: Any) -> None:
        self.errors.setdefault(name, []).append(message)


def clean_text(
    raw: Any, *, max_length: int, required: bool, result: ValidationResult, field_name: str
) -> str:
    """Trimmed, NFC-normalised text, or an error on the field."""
    if raw is None:
        raw = ""
    if not isinstance(raw, str):
        result.add(field_name, _l("Enter text."))
        return ""
    text = unicodedata.normalize("NFC", raw).strip()
    if not text:
        if required:
            result.add(field_name, _l("This field is required."))
        return ""
    if _REPLACEMENT_CHARACTER in text or any(
        unicodedata.category(char) in _FORBIDDEN_CATEGORIES and char not in _SPELLING_JOINERS
        for char in text
    ):
        result.add(field_name, _l("Remove invisible or control characters."))
        return ""
    if len(text) > max_length:
        result.add(field_name, _l("Use at most %(max)d characters.", max=max_length))
        return ""
    # Kept exactly as typed (inner spaces too): it is printed on a letter to a head of state.
    return text


# Letters that print as nothing: Hangul fillers, and the Braille blank pattern (a symbol).
_BLANK_LETTERS = {"\u115f", "\u1160", "\u3164", "\uffa0", "\u2800"}


def _prints_nothing(char: str) -> bool:
    """Spaces, joiners, variation selectors and the like: no glyph of their own."""
    return (
        char.isspace()
        or char in _SPELLING_JOINERS
        or "\ufe00" <= char <= "\ufe0f"
        or "\U000e0100" <= char <= "\U000e01ef"
        or char in "\u034f\u17b4\u17b5\u180b\u180c\u180d\u180f"
    )


def check_printable(text: str, field_name: str, result: ValidationResult) -> None:
    """Refuse what the letter cannot print as typed: a name (or city) with no visible letter
    or digit, or with a character no font of the letters' font set has."""
    if not text:
        return
    if not any(
        unicodedata.category(char)[0] in "LN" and char not in _BLANK_LETTERS for char in text
    ):
        result.add(field_name, _l("Write at least one visible letter."))
        return
    missing = unprintable_characters(text)
    if missing:
        result.add(field_name, unprintable_message(missing))


def unprintable_characters(text: str) -> list[str]:
    """The characters of ``text`` (NFC) that no font of the letters' font set can draw,
    sorted; spaces, joiners and selectors, which draw nothing, aside. One check for every
    text a letter prints: signers' names and cities, and the petition's own texts."""
    from ..letters.fonts import printable_coverage  # read once per process, when first needed

    coverage = printable_coverage()
    text = unicodedata.normalize("NFC", text)
    return sorted({c for c in text if not _prints_nothing(c) and ord(c) not in coverage})


def unprintable_message(characters: list[str]) -> Any:
    return _l(
        "We cannot print %(characters)s on the letter: please leave it out.",
        characters=" ".join(characters),
    )


# A name or city is printed on letters and greets the signer in mail sent from the
# organisation: it must not carry a link or an address (a phishing line in someone else's
# name). Web addresses with a scheme or "www.", email addresses, and bare domains under the
# top-level domains that links and link shorteners use; a name such as "St.Louis" or
# "J.R.R." passes.
_LINK_TLDS = (
    "com|net|org|info|biz|edu|gov|io|co|me|ly|gl|gd|to|sh|tk|ml|ga|cf|gq|xyz|top|site|online|"
    "click|link|app|dev|page|live|shop|store|tech|icu|club|vip|cc|tv|ws|su|ru|cn|vn|uk|us|de|"
    "fr|eu|jp|kr|br|au|ca|nl|it|es|pl|ua|tr|ir|id|ph|sg|hk|tw|la|kh|mm|xn--[a-z0-9-]+"
)
_LINK = re.compile(
    r"://|\bwww\.|[^\s@]@[^\s@]+\.[^\s@]"
    rf"|(?:[^\W_](?:[\w-]*[^\W_])?\.)+(?:{_LINK_TLDS})(?![\w-])",
    re.IGNORECASE,
)


def contains_link(text: str) -> bool:
    """A web address or an email address anywhere in the text."""
    return bool(_LINK.search(text))


def check_no_link(text: str, field_name: str, result: ValidationResult) -> None:
    if text and contains_link(text):
        result.add(field_name, _l("Leave out web and email addresses: this is printed on the "
                                  "letter and shown in our emails."))  # fmt: skip


def clean_display(raw: Any, result: ValidationResult, *, required: bool = False) -> Display | None:
    """The chosen display; None when absent (the petition's default then applies)."""
    try:
        display = parse_display(raw)
    except ValueError:
        display = None
    else:
        if display is not None or not required:
            return display
    result.add("display", _l("Choose how you want to appear."))
    return display


def canonical_email(normalized: str) -> str:
    """The form used to spot duplicates: case folded, provider aliases removed."""
    local, _, domain = normalized.rpartition("@")
    domain = domain.lower()
    local = local.lower()
    if domain in _PLUS_TAG_DOMAINS:
        local = local.split("+", 1)[0]
    if domain in _DOTLESS_DOMAINS:
        local = local.replace(".", "")
    return f"{local}@{_DOMAIN_ALIASES.get(domain, domain)}"


def _clean_email(raw: Any, result: ValidationResult) -> tuple[str, str]:
    if not isinstance(raw, str) or not raw.strip():
        result.add("email", _l("This field is required.") if not raw else _l("Enter text."))
        return "", ""
    text = raw.strip()
    if len(text) > EMAIL_MAX_LENGTH:
        result.add("email", _l("Enter a valid email address."))
        return "", ""
    try:
        # Syntax only: a DNS lookup per signature would be slow and leak who signs.
        checked = validate_email(text, check_deliverability=False)
    except EmailNotValidError:
        result.add("email", _l("Enter a valid email address."))
        return "", ""
    if is_disposable_domain(checked.ascii_domain):
        result.add("email", _l("Addresses of throw-away mail services cannot sign. "
                               "Please use an address of your own."))  # fmt: skip
        return "", ""
    return checked.normalized, canonical_email(checked.normalized)


def is_disposable_domain(domain: str) -> bool:
    """A domain of a disposable (throw-away) mail service, or a subdomain of one.

    The list is the `disposable-email-domains` package's, updated by bumping it."""
    labels = domain.lower().rstrip(".").split(".")
    return any(".".join(labels[i:]) in _disposable_domains for i in range(len(labels) - 1))


def _clean_bool(raw: Any, *, field_name: str, result: ValidationResult) -> bool:
    if isinstance(raw, bool):
        return raw
    if raw is None:
        return False
    if isinstance(raw, str) and raw.strip().lower() in TRUE_VALUES | FALSE_VALUES:
        return raw.strip().lower() in TRUE_VALUES
    result.add(field_name, _l("Enter yes or no."))
    return False


def validate_signature(data: Mapping[str, Any]) -> ValidationResult:
    """Check every field and collect every error, so the signer fixes all at once."""
    result = ValidationResult()
    unknown = sorted(set(data) - set(SIGNATURE_FIELDS) - set(CONTROL_FIELDS))
    for name in unknown[:10]:
        result.add(name, _l("Unknown field."))

    name = clean_text(
        data.get("name"),
        max_length=NAME_MAX_LENGTH,
        required=True,
        result=result,
        field_name="name",
    )
    check_printable(name, "name", result)
    check_no_link(name, "name", result)
    email, email_canonical = _clean_email(data.get("email"), result)
    country = data.get("country")
    if not isinstance(country, str) or not country.strip():
        result.add("country", _l("Choose your country."))
        country = ""
    else:
        country = country.strip().upper()
        if country not in country_codes():
            result.add("country", _l("Choose a country from the list."))
    city = clean_text(
        data.get("city"),
        max_length=CITY_MAX_LENGTH,
        required=False,
        result=result,
        field_name="city",
    )
    check_printable(city, "city", result)
    check_no_link(city, "city", result)
    consent = _clean_bool(data.get("consent"), field_name="consent", result=result)
    if not consent and "consent" not in result.errors:
        result.add("consent", _l("Please agree so that we can add your name to the letter."))
    wants_updates = _clean_bool(data.get("updates"), field_name="updates", result=result)
    display = clean_display(data.get("display"), result)

    if not result.errors:
        result.value = SignatureInput(
            name=name, email=email, email_canonical=email_canonical, country=country,
            city=city, consent=consent, wants_updates=wants_updates, display=display,
        )  # fmt: skip
    return result
