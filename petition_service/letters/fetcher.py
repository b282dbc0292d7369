"""What WeasyPrint may fetch: the font files of the set (`fonts.py`), and nothing else.

The letter's stylesheet is inline and its @font-face rules point at
``letters-font:<file name>/<face index>``; this module resolves such a URL to a file of
the font set and refuses every other URL (http, https, file, data, any other font) by
raising `AssetRefused`, so a name such as ``<img src="http://…">`` is printed as typed and
fetches nothing. A face inside a collection (the CJK `.ttc` files) is served as a subset of
that face to the characters of the letter, since WeasyPrint cannot pick a face of a
collection and the whole face would be 20 MB.

This module does not import WeasyPrint; `render.FontSetFetcher`, WeasyPrint's
``URLFetcher``, serves `resolve_font` and `font_bytes` and fails the render on any refusal.
"""

from __future__ import annotations

from collections.abc import Iterable

import uharfbuzz as hb

from .fonts import FontFile, all_font_files, face

SCHEME = "letters-font:"


class AssetError(Exception):
    """Base class for fetching failures."""


class AssetRefused(AssetError):
    """A URL that is not a font of the set was requested."""


def font_url(file: FontFile) -> str:
    return f"{SCHEME}{file.path.name}/{file.index}"


def resolve_font(url: str) -> FontFile:
    """The font file a ``letters-font:`` URL names, or `AssetRefused`."""
    if not isinstance(url, str) or not url.startswith(SCHEME):
        raise AssetRefused(f"refusing to fetch a URL that is not a letter font: {url!r}")
    for file in all_font_files():
        if font_url(file) == url:
            return file
    raise AssetRefused(f"not a font of the letters' font set: {url!r}")


def font_bytes(file: FontFile, characters: Iterable[str]) -> bytes:
    """The file as WeasyPrint gets it: as installed, or one face of a collection cut down
    to ``characters`` (with the layout rules that shape them)."""
    if file.path.suffix != ".ttc":
        face(file)  # checks that the set is installed
        return file.path.read_bytes()
    subset_input = hb.SubsetInput()
    subset_input.unicode_set.update({ord(c) for c in characters} | set(range(0x20, 0x7F)))
    subset_input.flags = hb.SubsetFlags.NO_HINTING
    return bytes(hb.subset(face(file).hb_face, subset_input).blob.data)
