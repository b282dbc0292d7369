"""Packaged fonts: metrics, coverage, text sanitising and subsetting.

All fonts ship inside ``letters/assets/fonts`` (Noto, SIL OFL 1.1, see
``OFL.txt``).  Nothing here looks at system fonts.

Text drawn by the low-level writer is *not* shaped: every character maps to
exactly one glyph through the font's cmap.  That is exact for Latin,
Vietnamese (after NFC, every Vietnamese letter is one precomposed code point),
Greek and Cyrillic, which is what the fonts cover.  Anything the fonts do not
cover is replaced by U+FFFD (a visible "replacement character" glyph that all
packaged fonts have) and reported, never dropped.
"""

from __future__ import annotations

import functools
import hashlib
import io
import pathlib
import threading
import unicodedata
from dataclasses import dataclass

from fontTools import subset as ft_subset
from fontTools.ttLib import TTFont

FONT_DIR = pathlib.Path(__file__).resolve().parent / "assets" / "fonts"

#: Visible placeholder for characters no packaged font can draw.
PLACEHOLDER = "\ufffd"

#: Logical font keys -> files.  Serif is used for the letter, Sans for tables
#: and footers.
FONT_FILES = {
    "serif": "NotoSerif-Regular.ttf",
    "serif-bold": "NotoSerif-Bold.ttf",
    "serif-italic": "NotoSerif-Italic.ttf",
    "sans": "NotoSans-Regular.ttf",
    "sans-bold": "NotoSans-Bold.ttf",
}


@dataclass(frozen=True)
class FontMetrics:
    key: str
    path: pathlib.Path
    postscript_name: str
    units_per_em: int
    #: codepoint -> glyph id
    cmap: dict
    #: str.translate table: codepoint -> 4 hex digits of the glyph id
    hex_table: dict
    #: character -> advance width in 1/1000 em
    advance: dict
    ascent: int
    descent: int
    cap_height: int
    bbox: tuple
    italic_angle: float
    flags: int
    glyph_advance: dict  # gid -> advance in 1/1000 em

    def width(self, text: str, size: float) -> float:
        """Width in points of ``text`` (already sanitised) at ``size``."""
        adv = self.advance
        return sum(map(adv.__getitem__, text)) * size / 1000.0

    def encode(self, text: str) -> str:
        """Hex glyph string for a PDF ``<...> Tj`` with Identity-H encoding."""
        return text.translate(self.hex_table)


@functools.cache
def metrics(key: str) -> FontMetrics:
    path = FONT_DIR / FONT_FILES[key]
    if not path.is_file():
        raise FileNotFoundError(f"packaged font missing: {path}")
    # Closed at once: every figure is copied out, and a lazy font would keep the file open.
    with TTFont(path, lazy=True) as font:
        return _read_metrics(key, path, font)


def _read_metrics(key: str, path: pathlib.Path, font: TTFont) -> FontMetrics:
    upm = font["head"].unitsPerEm
    cmap = dict(font.getBestCmap())
    order = font.getGlyphOrder()
    gid_of = {name: i for i, name in enumerate(order)}
    hmtx = font["hmtx"].metrics
    scale = 1000.0 / upm
    cp_gid = {cp: gid_of[name] for cp, name in cmap.items()}
    glyph_advance = {gid_of[name]: round(hmtx[name][0] * scale) for name in order}
    advance = {chr(cp): glyph_advance[g] for cp, g in cp_gid.items()}
    hex_table = {cp: f"{g:04X}" for cp, g in cp_gid.items()}
    os2 = font["OS/2"]
    head = font["head"]
    post = font["post"]
    ps_name = font["name"].getDebugName(6) or path.stem
    flags = 32  # nonsymbolic
    if "Serif" in ps_name and "Sans" not in ps_name:
        flags |= 2
    if post.italicAngle:
        flags |= 64
    return FontMetrics(
        key=key,
        path=path,
        postscript_name=ps_name,
        units_per_em=upm,
        cmap=cp_gid,
        hex_table=hex_table,
        advance=advance,
        ascent=round(os2.sTypoAscender * scale),
        descent=round(os2.sTypoDescender * scale),
        cap_height=round(getattr(os2, "sCapHeight", 700) * scale),
        bbox=tuple(round(v * scale) for v in (head.xMin, head.yMin, head.xMax, head.yMax)),
        italic_angle=float(post.italicAngle),
        flags=flags,
        glyph_advance=glyph_advance,
    )


@functools.cache
def covered_chars(keys: tuple = tuple(FONT_FILES)) -> frozenset:
    """Characters every font in ``keys`` can draw (printable ones only)."""
    sets = [set(map(chr, metrics(k).cmap)) for k in keys]
    common = set.intersection(*sets)
    # Control and format characters are never printed, even if a font maps them.
    return frozenset(
        c
        for c in common
        if unicodedata.category(c) not in ("Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp")
    )


def sanitize(text: str) -> tuple[str, bool]:
    """NFC-normalise, collapse whitespace and replace undrawable characters.

    Returns ``(printable_text, degraded)``.  ``degraded`` is True when at
    least one character was replaced by :data:`PLACEHOLDER`.
    """
    text = unicodedata.normalize("NFC", " ".join(text.split()))
    cov = covered_chars()
    if cov.issuperset(text):
        return text, False
    out = []
    degraded = False
    for ch in text:
        if ch in cov:
            out.append(ch)
        else:
            out.append(PLACEHOLDER)
            degraded = True
    # A run of several undrawable code points that form one visible cluster
    # (e.g. an emoji ZWJ sequence) still shows one placeholder per code point:
    # deliberately conservative, nothing is hidden.
    return "".join(out), degraded


_subset_lock = threading.Lock()


def subset_font(key: str, chars: set) -> tuple[bytes, str, dict]:
    """Subset packaged font ``key`` to ``chars`` keeping original glyph ids.

    Returns ``(ttf_bytes, subset_tag, {gid: char})``.  Glyph ids are retained
    (``retain_gids``) so content streams can be written with the full font's
    glyph ids before the subset is known.
    """
    m = metrics(key)
    gids = {0}
    to_unicode: dict[int, str] = {}
    for ch in sorted(chars):
        gid = m.cmap[ord(ch)]
        gids.add(gid)
        # One glyph may serve several code points (rare after NFC); keep the first.
        to_unicode.setdefault(gid, ch)
    opts = ft_subset.Options()
    opts.retain_gids = True
    opts.layout_features = []
    opts.drop_tables += ["GSUB", "GPOS", "GDEF", "BASE", "JSTF", "DSIG", "MATH", "STAT", "meta"]
    opts.hinting = False
    opts.notdef_outline = True
    opts.name_IDs = [0, 1, 2, 3, 4, 5, 6]
    opts.name_languages = [0x409]
    opts.glyph_names = False
    opts.recalc_bounds = False
    # Closing the font matters: fontTools reads tables on demand and would otherwise keep
    # the file open until garbage collection.
    with _subset_lock, TTFont(m.path) as font:
        data = _subset_bytes(font, gids, opts)
    digest = hashlib.sha256(
        key.encode() + b"\0" + ",".join(map(str, sorted(gids))).encode()
    ).digest()
    tag = "".join(chr(ord("A") + b % 26) for b in digest[:6])
    return data, tag, to_unicode


def _subset_bytes(font: TTFont, gids: set[int], opts: ft_subset.Options) -> bytes:
    # Deleting layout tables BEFORE subsetting avoids decompiling them
    # (0.9 s -> 0.05 s per font); the writer does no shaping anyway.
    for table in ("GSUB", "GPOS", "GDEF", "BASE", "JSTF", "MATH", "STAT", "DSIG", "meta"):
        if table in font:
            del font[table]
    sub = ft_subset.Subsetter(opts)
    sub.populate(gids=sorted(gids))
    sub.subset(font)
    # Keep the font's own `head.modified`: with fontTools' default (now) the subset, and so
    # every PDF, would differ from one render of the same batch to the next.
    font.recalcTimestamp = False
    buf = io.BytesIO()
    font.save(buf)
    return buf.getvalue()
