"""The font set: Debian's Noto files, an explicit ordered list, checked before use.

Every face the letters draw with is named here by file (and face index inside a `.ttc`
collection), with the Debian package that installs it: `fonts-noto-core` for every script
but Han, kana and Hangul, which come from `fonts-noto-cjk`. Nothing looks at fontconfig or
at any other font on the machine: a missing file is a `FontsMissing` error that names it and
its package, never a silent fallback, so a batch rendered again on any machine set up the
same way gives the same bytes.

Per style (serif for the letter and the signature, sans for tables and footers) the faces
form a fallback chain: Latin, Greek and Cyrillic first, then one family per script, then the
CJK face of the signer's region (Japanese, Korean, simplified or traditional Chinese,
Hong Kong), since Han characters are drawn differently in each.

`printable_coverage()` is what signing checks a name against: the code points that every
style used for signer text can draw. It reads only the fonts' character maps, once per
process and only when first asked, in about 25 ms.
"""

from __future__ import annotations

import functools
import struct
import threading
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import uharfbuzz as hb

CORE_DIR = Path("/usr/share/fonts/truetype/noto")
CJK_DIR = Path("/usr/share/fonts/opentype/noto")
CORE_PACKAGE = "fonts-noto-core"
CJK_PACKAGE = "fonts-noto-cjk"

Style = Literal["serif", "serif-bold", "serif-italic", "sans", "sans-bold"]
STYLES: tuple[Style, ...] = ("serif", "serif-bold", "serif-italic", "sans", "sans-bold")
#: The styles a signer's name or city is printed in (letters mode: serif; annex: sans).
SIGNER_STYLES: tuple[Style, ...] = ("serif-bold", "serif", "sans")

Region = Literal["JP", "KR", "SC", "TC", "HK"]
#: Faces of the Noto CJK collections, by index.
CJK_FACES: dict[Region, int] = {"JP": 0, "KR": 1, "SC": 2, "TC": 3, "HK": 4}
DEFAULT_REGION: Region = "SC"
COUNTRY_REGIONS: dict[str, Region] = {
    "JP": "JP",
    "KR": "KR",
    "KP": "KR",
    "TW": "TC",
    "HK": "HK",
    "MO": "HK",
    "CN": "SC",
    "SG": "SC",
}
LANGUAGE_REGIONS: dict[str, Region] = {
    "ja": "JP",
    "ko": "KR",
    "zh": "SC",
    "zh-cn": "SC",
    "zh-hans": "SC",
    "zh-tw": "TC",
    "zh-hant": "TC",
    "zh-hk": "HK",
}

#: (serif family, sans family) per script, in fallback order. Debian 12 has no Noto Sans
#: Tibetan: its serif face serves both styles.
SCRIPT_FAMILIES: tuple[tuple[str, str, str], ...] = (
    ("Latin, Greek, Cyrillic", "NotoSerif", "NotoSans"),
    ("Armenian", "NotoSerifArmenian", "NotoSansArmenian"),
    ("Georgian", "NotoSerifGeorgian", "NotoSansGeorgian"),
    ("Hebrew", "NotoSerifHebrew", "NotoSansHebrew"),
    ("Arabic", "NotoNaskhArabic", "NotoSansArabic"),
    ("Devanagari", "NotoSerifDevanagari", "NotoSansDevanagari"),
    ("Bengali", "NotoSerifBengali", "NotoSansBengali"),
    ("Gurmukhi", "NotoSerifGurmukhi", "NotoSansGurmukhi"),
    ("Gujarati", "NotoSerifGujarati", "NotoSansGujarati"),
    ("Tamil", "NotoSerifTamil", "NotoSansTamil"),
    ("Telugu", "NotoSerifTelugu", "NotoSansTelugu"),
    ("Kannada", "NotoSerifKannada", "NotoSansKannada"),
    ("Malayalam", "NotoSerifMalayalam", "NotoSansMalayalam"),
    ("Sinhala", "NotoSerifSinhala", "NotoSansSinhala"),
    ("Thai", "NotoSerifThai", "NotoSansThai"),
    ("Lao", "NotoSerifLao", "NotoSansLao"),
    ("Khmer", "NotoSerifKhmer", "NotoSansKhmer"),
    ("Myanmar", "NotoSerifMyanmar", "NotoSansMyanmar"),
    ("Tibetan", "NotoSerifTibetan", "NotoSerifTibetan"),
    ("Ethiopic", "NotoSerifEthiopic", "NotoSansEthiopic"),
)
CJK_COLLECTIONS = {"serif": "NotoSerifCJK", "sans": "NotoSansCJK"}


class FontsMissing(RuntimeError):
    """Font files of the set are not installed."""

    def __init__(self, missing: list[FontFile]) -> None:
        self.missing = missing
        packages = sorted({f.package for f in missing})
        names = ", ".join(str(f.path) for f in missing[:5])
        more = f" and {len(missing) - 5} more" if len(missing) > 5 else ""
        super().__init__(
            f"font files missing: {names}{more} (Debian package {', '.join(packages)}); "
            f"install with: sudo apt-get install -y {' '.join(packages)}"
        )


@dataclass(frozen=True)
class FontFile:
    path: Path
    index: int  # face index inside a collection, 0 for a plain file
    package: str

    @property
    def label(self) -> str:
        return self.path.name if self.path.suffix != ".ttc" else f"{self.path.name}#{self.index}"


def _core(family: str, weight: str) -> FontFile:
    return FontFile(CORE_DIR / f"{family}-{weight}.ttf", 0, CORE_PACKAGE)


def _cjk(kind: str, weight: str, region: Region) -> FontFile:
    path = CJK_DIR / f"{CJK_COLLECTIONS[kind]}-{weight}.ttc"
    return FontFile(path, CJK_FACES[region], CJK_PACKAGE)


def _kind_weight(style: Style) -> tuple[str, str]:
    kind = "sans" if style.startswith("sans") else "serif"
    return kind, ("Bold" if style.endswith("bold") else "Regular")


@functools.cache
def font_files(style: Style, region: Region = DEFAULT_REGION) -> tuple[FontFile, ...]:
    """The fallback chain of ``style``: the first face that has a character draws it."""
    kind, weight = _kind_weight(style)
    chain = []
    for script, serif, sans in SCRIPT_FAMILIES:
        family = sans if kind == "sans" else serif
        # Only Latin has a true italic; other scripts print upright in italic text.
        italic = style == "serif-italic" and script.startswith("Latin")
        chain.append(_core(family, "Italic" if italic else weight))
    chain.append(_cjk(kind, weight, region))
    return tuple(chain)


def all_font_files() -> list[FontFile]:
    """Every file of the set, once, in a stable order."""
    seen: dict[FontFile, None] = {}
    for style in STYLES:
        for region in CJK_FACES:
            for file in font_files(style, region):
                seen.setdefault(file, None)
    return list(seen)


def check_installed() -> None:
    """Raise `FontsMissing` unless every file of the set is there."""
    missing = [f for f in all_font_files() if not f.path.is_file()]
    if missing:
        raise FontsMissing(missing)


_checked = False
_lock = threading.Lock()


def _ensure_installed() -> None:
    global _checked
    if not _checked:
        check_installed()
        _checked = True


def region_for(text: str, country: str | None = None, language: str | None = None) -> Region:
    """Which regional CJK face draws Han in ``text``: kana means Japanese, Hangul Korean;
    otherwise the signer's country, then the petition's language decide."""
    if text and max(text) >= "\u3040":
        for char in text:
            if "\u3040" <= char <= "\u30ff" or "\u31f0" <= char <= "\u31ff":
                return "JP"
            if "\uac00" <= char <= "\ud7af" or "\u1100" <= char <= "\u11ff":
                return "KR"
    if country and country in COUNTRY_REGIONS:
        return COUNTRY_REGIONS[country]
    if language:
        lang = language.lower()
        return LANGUAGE_REGIONS.get(lang) or LANGUAGE_REGIONS.get(lang[:2], DEFAULT_REGION)
    return DEFAULT_REGION


# --------------------------------------------------------------------------------------
# Faces


#: Categories never drawn from a nominal glyph: marks need positioning, the rest is invisible.
_NOT_NOMINAL = {"Mn", "Mc", "Me", "Cf", "Cc", "Co", "Cs", "Cn", "Zl", "Zp"}


class Face:
    """One face of the set, opened with HarfBuzz (the file is mapped, not read)."""

    def __init__(self, file: FontFile) -> None:
        self.file = file
        self.label = file.label
        self.hb_face = hb.Face(hb.Blob.from_file_path(str(file.path)), file.index)
        self.hb_font = hb.Font(self.hb_face)
        self.upem = self.hb_face.upem
        self.scale = 1000.0 / self.upem  # font units -> 1/1000 em
        self.unicodes = self.hb_face.unicodes
        self.num_glyphs = self.hb_face.glyph_count
        self.is_cff = "CFF " in self.hb_face.table_tags
        name = self.hb_face.get_name(hb.OTNameIdPredefined.POSTSCRIPT_NAME)
        self.postscript_name = name or file.path.stem
        space = self.hb_font.get_nominal_glyph(0x20)
        #: An empty glyph, drawn with no width where characters have no glyph of their own.
        self.blank_gid = space if space is not None else 0
        self._advances: dict[int, float] = {}
        self._nominal: tuple[frozenset[str], dict[str, float], dict[int, str]] | None = None

    def covers(self, char: str) -> bool:
        return ord(char) in self.unicodes

    def advance(self, gid: int) -> float:
        """Nominal advance of a glyph, in 1/1000 em."""
        value = self._advances.get(gid)
        if value is None:
            value = self._advances[gid] = self.hb_font.get_glyph_h_advance(gid) * self.scale
        return value

    def gid(self, char: str) -> int:
        return self.hb_font.get_nominal_glyph(ord(char)) or 0

    def _nominal_tables(self) -> tuple[frozenset[str], dict[str, float], dict[int, str]]:
        if self._nominal is None:
            chars, widths, hexes = set(), {}, {}
            for cp in self.unicodes:
                char = chr(cp)
                bidi = unicodedata.bidirectional(char)
                if unicodedata.category(char) in _NOT_NOMINAL or bidi in ("R", "AL", "AN"):
                    continue
                gid = self.gid(char)
                chars.add(char)
                widths[char] = self.advance(gid)
                hexes[cp] = f"{gid:04X}"
            self._nominal = (frozenset(chars), widths, hexes)
        return self._nominal

    @property
    def nominal_chars(self) -> frozenset[str]:
        """Characters that print as their own glyph, unshaped (the writer's fast path)."""
        return self._nominal_tables()[0]

    @property
    def nominal_widths(self) -> dict[str, float]:
        return self._nominal_tables()[1]

    @property
    def nominal_hex(self) -> dict[int, str]:
        """`str.translate` table: character -> 4 hex digits of its glyph id."""
        return self._nominal_tables()[2]

    @functools.cached_property
    def descriptor(self) -> FaceDescriptor:
        return _descriptor(self)

    def table(self, tag: str) -> bytes:
        return bytes(self.hb_face.reference_table(tag).data)


@dataclass(frozen=True)
class FaceDescriptor:
    """The figures a PDF font descriptor needs, in 1/1000 em."""

    bbox: tuple[int, int, int, int]
    ascent: int
    descent: int
    cap_height: int
    italic_angle: float
    flags: int


def _descriptor(face: Face) -> FaceDescriptor:
    scale = face.scale
    head = face.table("head")
    x_min, y_min, x_max, y_max = struct.unpack(">4h", head[36:44])
    post = face.table("post")
    italic_angle = struct.unpack(">i", post[4:8])[0] / 65536.0
    os2 = face.table("OS/2")
    ascent, descent = struct.unpack(">2h", os2[68:72])
    version = struct.unpack(">H", os2[0:2])[0]
    cap = struct.unpack(">h", os2[88:90])[0] if version >= 2 and len(os2) >= 90 else 0.7 * ascent
    flags = 4  # symbolic: the glyphs are addressed by id, not by a standard encoding
    if "Serif" in face.postscript_name or "Naskh" in face.postscript_name:
        flags |= 2
    if italic_angle:
        flags |= 64
    return FaceDescriptor(
        bbox=(
            round(x_min * scale),
            round(y_min * scale),
            round(x_max * scale),
            round(y_max * scale),
        ),
        ascent=round(ascent * scale),
        descent=round(descent * scale),
        cap_height=round(cap * scale),
        italic_angle=italic_angle,
        flags=flags,
    )


_faces: dict[FontFile, Face] = {}


def face(file: FontFile) -> Face:
    """The open face of ``file`` (opened once per process)."""
    found = _faces.get(file)
    if found is None:
        with _lock:
            _ensure_installed()
            found = _faces.get(file)
            if found is None:
                found = _faces[file] = Face(file)
    return found


@functools.cache
def chain(style: Style, region: Region = DEFAULT_REGION) -> tuple[Face, ...]:
    """The open faces of `font_files(style, region)`."""
    return tuple(face(f) for f in font_files(style, region))


@functools.cache
def printable_coverage() -> hb.Set:
    """Code points that every style used for signer text can draw, whatever the region.

    For signing, in any process: it maps each file only to read its character map and
    keeps none of them open, about 25 ms once.
    """
    _ensure_installed()
    result: hb.Set | None = None
    for style in SIGNER_STYLES:
        union = hb.Set()
        for file in font_files(style):
            union.update(hb.Face(hb.Blob.from_file_path(str(file.path)), file.index).unicodes)
        if result is None:
            result = union
        else:
            result.intersection_update(union)
    assert result is not None
    return result
