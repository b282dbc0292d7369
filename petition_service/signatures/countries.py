"""Countries a signer can choose: ISO 3166-1 alpha-2 codes, names in the page's language."""

from __future__ import annotations

import functools
import unicodedata

import pycountry
from babel import Locale


@functools.cache
def country_codes() -> frozenset[str]:
    return frozenset(country.alpha_2 for country in pycountry.countries)


def _sort_key(name: str) -> str:
    # Accents aside, so "Áo" sorts with the A's and "Đức" with the D's.
    decomposed = unicodedata.normalize("NFKD", name.replace("Đ", "D").replace("đ", "d"))
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


@functools.cache
def country_choices(language: str) -> tuple[tuple[str, str], ...]:
    """(code, localised name) pairs sorted by name, e.g. ("VN", "Việt Nam") in Vietnamese."""
    return tuple(
        sorted(
            ((code, country_name(code, language)) for code in country_codes()),
            key=lambda choice: _sort_key(choice[1]),
        )
    )


def country_name(code: str, language: str = "en") -> str:
    name = Locale.parse(language).territories.get(code)
    if name:
        return name
    country = pycountry.countries.get(alpha_2=code)
    return country.name if country else code
