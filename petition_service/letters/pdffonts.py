"""Embedding the faces a batch draws with, and the text operators that draw shaped runs.

One `FontBook` per batch: it names each face's PDF font resource (the same in every
recipient's file, so page content is shared), hands out the codes the content streams
write, remembers what text each code stands for, and at the end writes each face as a
Type 0 font subset to the glyphs used (HarfBuzz's subsetter, so size grows with the glyphs
used, not with the font).

Codes and extracted text: a reader (pypdf, poppler's pdftotext, a viewer's search) turns
codes back into text through the font's ToUnicode map, one string per code. The same glyph
may stand for different characters in different places (the first half of a split vowel,
a conjunct), so for TrueType faces (CIDFontType2) every distinct (glyph, text, width) gets a
code of its own above the glyph ids, mapped back to its glyph by /CIDToGIDMap; nominal text
uses the glyph id itself. CJK faces are CFF (CIDFontType0, no /CIDToGIDMap): their code is
the glyph's CID, and Han, kana and Hangul shape one glyph per character anyway. Runs whose
glyphs and characters are not one to one are also wrapped in /ActualText, which poppler
prefers to glyph-by-glyph text.
"""

from __future__ import annotations

import hashlib
import zlib
from dataclasses import dataclass
from typing import TYPE_CHECKING

import uharfbuzz as hb

from .fonts import Face
from .pdfwriter import fmt

if TYPE_CHECKING:
    from .pdfwriter import PdfWriter
    from .shaping import Run

#: The largest code a two-byte Identity-H string can hold.
MAX_CODE = 0xFFFF
_DROPPED_TABLES = (
    "GSUB", "GPOS", "GDEF", "BASE", "JSTF", "DSIG", "MATH", "STAT", "meta", "kern",
    "vhea", "vmtx", "VORG", "morx", "feat", "LTSH", "PCLT", "hdmx", "VDMX",
)  # fmt: skip


def utf16_hex(text: str) -> str:
    return text.encode("utf-16-be").hex().upper()


class EmbeddedFace:
    """One face as a PDF font of this batch: its codes and what each stands for."""

    def __init__(self, face: Face, resource: str) -> None:
        self.face = face
        self.resource = resource  # e.g. "F3"
        self.nominal_used: set[str] = set()  # characters drawn through their glyph id
        self._codes: dict[tuple[int, str, int], int] = {}  # (gid, text, width) -> code
        self._cids: dict[int, tuple[int, str]] = {}  # CFF: gid -> (cid, first text)
        self._next_code = face.num_glyphs
        self._prepared: _PreparedFont | None = None

    def nominal(self, text: str) -> str:
        """Hex codes of nominal text (see `shaping.Run.glyphs` None)."""
        self.nominal_used.update(text)
        return text.translate(self.face.nominal_hex)

    def code(self, gid: int, text: str, width: float) -> tuple[int, float, bool]:
        """``(code, width the font gives it, text mapped exactly)`` for one glyph."""
        if self.face.is_cff:
            found = self._cids.get(gid)
            if found is None:
                found = self._cids[gid] = (_cid_of(self.face, gid), text)
            return found[0], self.face.advance(gid), found[1] == text
        rounded = max(0, round(width))
        key = (gid, text, rounded)
        code = self._codes.get(key)
        if code is None:
            code = self._codes[key] = self._next_code
            self._next_code += 1
            if code > MAX_CODE:
                raise RuntimeError(f"more than {MAX_CODE} glyph forms of {self.face.label}")
        return code, float(rounded), True

    def prepare(self) -> _PreparedFont:
        """Subset the face to the glyphs used and build the font's objects (once)."""
        if self._prepared is None:
            self._prepared = _prepare(self)
        return self._prepared

    def write(self, writer: PdfWriter, type0_num: int) -> None:
        self.prepare().write(writer, type0_num)


@dataclass(frozen=True)
class _PreparedFont:
    base_name: bytes
    is_cff: bool
    font_file: bytes  # compressed
    font_file_len: int
    widths: bytes  # the /W array's content
    cid_to_gid: bytes | None  # compressed /CIDToGIDMap stream (TrueType)
    to_unicode: bytes  # compressed CMap
    descriptor: bytes  # the font descriptor's entries but /FontFile

    def write(self, writer: PdfWriter, type0_num: int) -> None:
        first = writer.reserve(4 if self.is_cff else 5)
        cid_font, descriptor, font_file, to_unicode = range(first, first + 4)
        writer.obj(
            type0_num,
            b"<</Type/Font/Subtype/Type0/BaseFont/%s/Encoding/Identity-H"
            b"/DescendantFonts[%d 0 R]/ToUnicode %d 0 R>>" % (self.base_name, cid_font, to_unicode),
        )
        if self.is_cff:
            subtype, mapping = b"CIDFontType0", b""
        else:
            subtype, mapping = b"CIDFontType2", b"/CIDToGIDMap %d 0 R" % (first + 4)
        writer.obj(
            cid_font,
            b"<</Type/Font/Subtype/%s/BaseFont/%s/CIDSystemInfo<</Registry(Adobe)"
            b"/Ordering(Identity)/Supplement 0>>/FontDescriptor %d 0 R/DW 0/W[%s]%s>>"
            % (subtype, self.base_name, descriptor, self.widths, mapping),
        )
        file_key = b"FontFile3" if self.is_cff else b"FontFile2"
        writer.obj(
            descriptor,
            b"<</Type/FontDescriptor/FontName/%s%s/%s %d 0 R>>"
            % (self.base_name, self.descriptor, file_key, font_file),
        )
        extra = b"/Subtype/CIDFontType0C" if self.is_cff else b"/Length1 %d" % self.font_file_len
        writer.stream(font_file, extra + b"/Filter/FlateDecode", self.font_file)
        writer.stream(to_unicode, b"/Filter/FlateDecode", self.to_unicode)
        if self.cid_to_gid is not None:
            writer.stream(first + 4, b"/Filter/FlateDecode", self.cid_to_gid)


def _cid_of(face: Face, gid: int) -> int:
    """A CID-keyed CFF glyph's CID (its name is "cidNNNNN"): the code that selects it."""
    name = face.hb_font.glyph_to_string(gid)
    return int(name[3:]) if name.startswith("cid") and name[3:].isdigit() else gid


def _prepare(font: EmbeddedFace) -> _PreparedFont:
    face = font.face
    # code -> (gid, text, width)
    entries: dict[int, tuple[int, str, float]] = {}
    for char in sorted(font.nominal_used):
        gid = face.gid(char)
        entries.setdefault(gid, (gid, char, face.advance(gid)))
    for (gid, text, width), code in font._codes.items():
        entries[code] = (gid, text, float(width))
    for gid, (cid, text) in font._cids.items():
        entries[cid] = (gid, text, face.advance(gid))
    gids = sorted({0, *(gid for gid, _, _ in entries.values())})

    subset_input = hb.SubsetInput()
    subset_input.glyph_set.update(set(gids))
    subset_input.flags = (
        hb.SubsetFlags.NO_HINTING
        | hb.SubsetFlags.DESUBROUTINIZE
        | hb.SubsetFlags.NO_LAYOUT_CLOSURE
        | hb.SubsetFlags.NOTDEF_OUTLINE
    )
    drop = subset_input.drop_table_tag_set
    for tag in _DROPPED_TABLES:
        drop.add(int.from_bytes(tag.encode("ascii"), "big"))
    plan = hb.SubsetPlan(face.hb_face, subset_input)
    new_gid = dict(plan.old_to_new_glyph_mapping.items())
    subset = plan.execute()
    data = bytes(subset.reference_table("CFF ").data) if face.is_cff else bytes(subset.blob.data)

    digest = hashlib.sha256(f"{face.label}\0{','.join(map(str, gids))}".encode()).digest()
    tag = "".join(chr(ord("A") + b % 26) for b in digest[:6])
    base_name = f"{tag}+{face.postscript_name}".encode("ascii", "replace")

    codes = sorted(entries)
    widths = b" ".join(b"%d[%s]" % (c, fmt(entries[c][2]).encode()) for c in codes)
    cid_to_gid = None
    if not face.is_cff:
        table = bytearray(2 * (codes[-1] + 1)) if codes else bytearray(2)
        for c in codes:
            table[2 * c : 2 * c + 2] = new_gid[entries[c][0]].to_bytes(2, "big")
        cid_to_gid = zlib.compress(bytes(table), 6)
    d = face.descriptor
    descriptor = (
        b"/Flags %d/FontBBox[%d %d %d %d]/ItalicAngle %s/Ascent %d/Descent %d"
        % (
            d.flags,
            *d.bbox,
            fmt(d.italic_angle).encode(),
            d.ascent,
            d.descent,
        )
        + b"/CapHeight %d/StemV 80" % d.cap_height
    )
    return _PreparedFont(
        base_name=base_name,
        is_cff=face.is_cff,
        font_file=zlib.compress(data, 6),
        font_file_len=len(data),
        widths=widths,
        cid_to_gid=cid_to_gid,
        to_unicode=zlib.compress(_to_unicode_cmap({c: entries[c][1] for c in codes}), 6),
        descriptor=descriptor,
    )


def _to_unicode_cmap(texts: dict[int, str]) -> bytes:
    lines = [
        "/CIDInit /ProcSet findresource begin",
        "12 dict begin",
        "begincmap",
        "/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def",
        "/CMapName /Adobe-Identity-UCS def",
        "/CMapType 2 def",
        "1 begincodespacerange",
        "<0000> <FFFF>",
        "endcodespacerange",
    ]
    items = sorted(texts.items())
    for i in range(0, len(items), 100):
        chunk = items[i : i + 100]
        lines.append(f"{len(chunk)} beginbfchar")
        # An empty string: the glyph stands for no character of its own.
        lines.extend(f"<{code:04X}> <{utf16_hex(text)}>" for code, text in chunk)
        lines.append("endbfchar")
    lines += ["endcmap", "CMapName currentdict /CMap defineresource pop", "end", "end"]
    return "\n".join(lines).encode("ascii")


class FontBook:
    """The PDF fonts of one batch, by face."""

    def __init__(self) -> None:
        self._fonts: dict[Face, EmbeddedFace] = {}

    def font(self, face: Face) -> EmbeddedFace:
        found = self._fonts.get(face)
        if found is None:
            found = self._fonts[face] = EmbeddedFace(face, f"F{len(self._fonts) + 1}")
        return found

    def fonts(self) -> list[EmbeddedFace]:
        return list(self._fonts.values())


def run_ops(run: Run, font: EmbeddedFace, size: float, space_extra: float = 0.0) -> str:
    """Operators that draw ``run`` from the current text position (its font already set).

    ``space_extra``: more room after each space, in 1/1000 em (justified lines).
    """
    if run.glyphs is None:
        if not space_extra or " " not in run.text:
            return f"<{font.nominal(run.text)}>Tj"
        between = f"{font.nominal(' ')}> {fmt(-space_extra)} <"
        return "[<" + between.join(map(font.nominal, run.text.split(" "))) + ">]TJ"
    parts: list[str] = []
    array: list[str] = []  # the pending TJ array's elements
    codes: list[str] = []  # consecutive codes, joined into one string
    exact = run.exact

    def flush_codes() -> None:
        if codes:
            array.append("<" + "".join(codes) + ">")
            codes.clear()

    def flush_array() -> None:
        flush_codes()
        if array:
            parts.append("[" + "".join(array) + "]TJ")
            array.clear()

    for glyph in run.glyphs:
        wanted = glyph.advance - glyph.x_offset
        code, width, mapped = font.code(glyph.gid, glyph.text, wanted)
        exact = exact and mapped
        if glyph.x_offset:
            flush_codes()
            array.append(" " + fmt(-glyph.x_offset) + " ")
        if glyph.y_offset:
            flush_array()
            rise = fmt(glyph.y_offset * size / 1000.0)
            parts.append(f"{rise} Ts[<{code:04X}>]TJ 0 Ts")
        else:
            codes.append(f"{code:04X}")
        rest = wanted - width  # what the font's width leaves to move
        if space_extra and glyph.text == " ":
            rest += space_extra
        if abs(rest) >= 0.5:
            flush_codes()
            array.append(" " + fmt(-rest) + " ")
    flush_array()
    ops = " ".join(parts)
    if not exact:
        # Poppler reverses right-to-left text as it reads it: give it the reverse.
        actual = run.text[::-1] if run.rtl else run.text
        ops = f"/Span<</ActualText<FEFF{utf16_hex(actual)}>>>BDC {ops} EMC"
    return ops
