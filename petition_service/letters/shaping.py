"""Shaped text: bidi runs, font fallback and HarfBuzz, with the text each glyph stands for.

`Shaper.line(text, style)` turns a string into a `Line`: runs of one face and one direction,
left to right as printed. Steps:

1. the Unicode bidi algorithm (python-bidi) gives each character its embedding level;
2. the text is cut into clusters (a character and the marks and joiners after it) and each
   cluster gets the first face of the style's fallback chain that has all its characters;
   spaces and punctuation stay with the face around them;
3. each run of one face and one level is shaped by HarfBuzz (joining, conjuncts, reordering,
   marks placed), and the runs are put in visual order (rule L2 of the bidi algorithm).

For text extraction every glyph carries the characters it stands for, so that reading the
glyphs in drawing order gives the text back: a glyph standing for several characters (a
ligature, a conjunct) gets the first and empty "filler" glyphs carry the others; glyphs
that stand for none (a vowel drawn in two parts) carry nothing. Right-to-left runs carry
them reversed, since readers reverse what they find there.

Text a nominal glyph per character prints exactly (Latin, Greek, Cyrillic without loose
marks: nearly every name) skips HarfBuzz: the writer's own pieces (tables, footers, the
signature) draw it unkerned from one `str.translate`, as fast as before shaping existed.
Everything is cached per shaper (one per batch), in bounded caches.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TypeVar

import uharfbuzz as hb
from bidi import algorithm as bidi_algorithm

from .fonts import Face, Region, Style, chain, region_for

Direction = str  # "ltr", "rtl" or "auto"
K = TypeVar("K")
V = TypeVar("V")
#: Entries per cache: bounds memory whatever the batch holds; an entry evicted is recomputed.
CACHE_SIZE = 20_000

_RTL_CLASSES = frozenset({"R", "AL", "AN"})
_LTR_CLASSES = frozenset({"L", "EN", "AN"})
_STRONG_RTL = frozenset({"R", "AL"})
#: Characters that belong to the cluster before them.
_EXTENDING = frozenset({"Mn", "Mc", "Me"})
_JOINERS = frozenset("\u200c\u200d\u034f")
_WORDS = re.compile("( +)")


@dataclass(frozen=True, slots=True)
class Glyph:
    gid: int
    text: str  # the characters it stands for in extracted text ("" for none)
    advance: float  # pen advance after it, 1/1000 em (kerning included)
    x_offset: float  # where it is drawn from the pen, 1/1000 em
    y_offset: float


@dataclass(frozen=True, slots=True, eq=False)  # compared and hashed by identity: cheap
class Run:
    face: Face
    text: str  # logical order
    rtl: bool
    #: Visual order; None for nominal text (one glyph per character, unshaped).
    glyphs: tuple[Glyph, ...] | None
    width: float  # 1/1000 em
    #: Every glyph is exactly one character, in order, unmoved: readers need no help.
    exact: bool


@dataclass(frozen=True, slots=True)
class Line:
    runs: tuple[Run, ...]  # left to right as printed
    width: float  # 1/1000 em
    #: Characters no face of the chain has (drawn as an empty box); "" normally.
    unprintable: str

    def width_at(self, size: float) -> float:
        return self.width * size / 1000.0


class BoundedCache(dict[K, V]):
    """A dict that stops growing at CACHE_SIZE entries (later keys are simply not kept)."""

    def put(self, key: K, value: V) -> None:
        if len(self) < CACHE_SIZE:
            self[key] = value


class Shaper:
    """Shapes and caches lines of text for one batch."""

    def __init__(self) -> None:
        self._lines: BoundedCache[tuple[object, ...], Line] = BoundedCache()
        self._runs: BoundedCache[tuple[object, ...], Run] = BoundedCache()
        #: Per fallback chain: character -> (the first face that has it, its kind).
        self._char_faces: dict[tuple[Face, ...], dict[str, tuple[Face | None, int]]] = {}

    def line(
        self,
        text: str,
        style: Style,
        *,
        region: Region | None = None,
        direction: Direction = "auto",
        language: str | None = None,
        nominal: bool = True,
        cache: bool = True,
    ) -> Line:
        """``text`` (NFC, one line) as printed in ``style``.

        ``region`` picks the CJK face (see `fonts.region_for`); ``direction`` is the
        paragraph's ("auto": its first strong character decides); ``language`` tunes
        HarfBuzz's forms; ``nominal`` allows the unshaped fast path; ``cache``: keep the
        line (not for text seen once, such as page numbers: the words are kept anyway).
        """
        key = (text, style, region, direction, language, nominal)
        found = self._lines.get(key) if cache else None
        if found is not None:
            return found
        faces = chain(style, region or region_for(text))
        primary = faces[0]
        if nominal and direction != "rtl" and primary.nominal_chars.issuperset(text):
            widths = primary.nominal_widths
            width = sum(map(widths.__getitem__, text))
            found = Line((Run(primary, text, False, None, width, True),), width, "")
        else:
            found = self._shape(text, faces, direction, language)
        if cache:
            self._lines.put(key, found)
        return found

    # ---------------------------------------------------------------------- steps
    def _shape(
        self, text: str, faces: tuple[Face, ...], direction: Direction, language: str | None
    ) -> Line:
        if not text:
            return Line((), 0.0, "")
        levels = embedding_levels(text, direction)
        assigned, unprintable = self._assign_faces(text, levels, faces)
        # Runs of one face and one level, in logical order.
        items: list[tuple[int, Face, int, int]] = []
        for i, (level, run_face) in enumerate(zip(levels, assigned, strict=True)):
            if items and items[-1][0] == level and items[-1][1] is run_face:
                items[-1] = (level, run_face, items[-1][2], i + 1)
            else:
                items.append((level, run_face, i, i + 1))
        runs: list[Run] = []
        for level, run_face, start, end in _visual_order(items):
            rtl = level % 2 == 1
            # Word by word: no script shapes across a space, and words repeat where whole
            # names do not, so the cache of shaped words serves every batch.
            words = [word for word in _WORDS.split(text[start:end]) if word]
            if rtl:
                words.reverse()
            runs.extend(self._run(run_face, word, rtl, language) for word in words)
        return Line(tuple(runs), sum(r.width for r in runs), unprintable)

    def _assign_faces(
        self, text: str, levels: list[int], faces: tuple[Face, ...]
    ) -> tuple[list[Face], str]:
        """The face of each character: a letter's is the first face that has it; a mark or
        joiner goes with the character before it; spaces, punctuation and digits keep the
        face of the text around them at their bidi level, where that face has them."""
        table = self._char_faces.get(faces)
        if table is None:
            table = self._char_faces[faces] = {}
        chosen: list[Face | None] = []
        pending: list[int] = []  # common characters waiting for the next letter's face
        previous: Face | None = None
        previous_level = -1
        unprintable = []
        for i, char in enumerate(text):
            entry = table.get(char)
            if entry is None:
                own = next((f for f in faces if f.covers(char)), None)
                entry = table[char] = (own, _kind(char))
            own, kind = entry
            level = levels[i]
            if kind == _LETTER:
                face = own
                for j in pending:
                    waiting = text[j]
                    chosen[j] = (
                        face if face is not None and face.covers(waiting) else table[waiting][0]
                    )
                pending.clear()
            elif kind == _ATTACHED:  # shaped with its base, whatever the face has
                face = previous if previous is not None else own
            elif previous is not None and previous_level == level and previous.covers(char):
                face = previous
            else:
                face = None
                pending.append(i)
            chosen.append(face)
            if face is not None:
                previous, previous_level = face, level
        for j in pending:
            chosen[j] = table[text[j]][0]
        assigned: list[Face] = []
        for char, face in zip(text, chosen, strict=True):
            if face is None:
                unprintable.append(char)
                face = faces[0]  # drawn as its .notdef box, and reported
            assigned.append(face)
        return assigned, "".join(unprintable)

    def _run(self, face: Face, text: str, rtl: bool, language: str | None) -> Run:
        """One HarfBuzz call per (face, text, direction), cached."""
        key = (face, text, rtl, language)
        found = self._runs.get(key)
        if found is None:
            found = shape_run(face, text, rtl, language)
            self._runs.put(key, found)
        return found


def shape_run(face: Face, text: str, rtl: bool, language: str | None = None) -> Run:
    buffer = hb.Buffer()
    buffer.add_str(text)
    buffer.direction = "rtl" if rtl else "ltr"
    buffer.guess_segment_properties()
    if language:
        buffer.language = language
    hb.shape(face.hb_font, buffer)
    infos, positions = buffer.glyph_infos, buffer.glyph_positions
    scale = face.scale
    starts = sorted({info.cluster for info in infos})
    ends = dict(zip(starts, [*starts[1:], len(text)], strict=True))
    glyphs: list[Glyph] = []
    exact = True
    i = 0
    while i < len(infos):
        cluster = infos[i].cluster
        j = i
        while j < len(infos) and infos[j].cluster == cluster:
            j += 1
        chars = list(text[cluster : ends[cluster]])
        if rtl:
            chars.reverse()
        count = j - i
        fillers: list[str] = []
        if len(chars) > count:  # a ligature or conjunct: fillers carry the other characters
            if rtl:
                fillers, chars = chars[: len(chars) - count], chars[len(chars) - count :]
            else:
                chars, fillers = chars[:count], chars[count:]
        if len(chars) != 1 or count != 1 or fillers:
            exact = False
        if rtl:
            glyphs.extend(Glyph(face.blank_gid, c, 0.0, 0.0, 0.0) for c in fillers)
        for k in range(count):
            info, pos = infos[i + k], positions[i + k]
            x_offset, y_offset = pos.x_offset * scale, pos.y_offset * scale
            if x_offset or y_offset:
                exact = False
            glyphs.append(
                Glyph(
                    info.codepoint,
                    chars[k] if k < len(chars) else "",
                    pos.x_advance * scale,
                    x_offset,
                    y_offset,
                )
            )
        if not rtl:
            glyphs.extend(Glyph(face.blank_gid, c, 0.0, 0.0, 0.0) for c in fillers)
        i = j
    width = sum(g.advance for g in glyphs)
    return Run(face, text, rtl, tuple(glyphs), width, exact)


# --------------------------------------------------------------------------------------
# Bidi


def embedding_levels(text: str, direction: Direction = "auto") -> list[int]:
    """The bidi embedding level of every character (even: left to right)."""
    classes = set(map(unicodedata.bidirectional, text))
    if direction != "rtl" and not classes & _RTL_CLASSES:
        return [0] * len(text)
    if (
        direction != "ltr"
        and not classes & _LTR_CLASSES
        and (direction == "rtl" or classes & _STRONG_RTL)
    ):
        return [1] * len(text)
    if direction == "auto":
        base = bidi_algorithm.get_base_level(text)
    else:
        base = 1 if direction == "rtl" else 0
    storage = bidi_algorithm.get_empty_storage()
    storage["base_level"] = base
    storage["base_dir"] = ("L", "R")[base]
    bidi_algorithm.get_embedding_levels(text, storage)
    bidi_algorithm.explicit_embed_and_overrides(storage)
    bidi_algorithm.resolve_weak_types(storage)
    bidi_algorithm.resolve_neutral_types(storage, False)
    bidi_algorithm.resolve_implicit_levels(storage, False)
    # Rule X9 dropped joiners and other boundary neutrals: they take the level before them.
    resolved = storage["chars"]
    levels: list[int] = []
    j = 0
    for char in text:
        if j < len(resolved) and resolved[j]["ch"] == char:
            levels.append(resolved[j]["level"])
            j += 1
        else:
            levels.append(levels[-1] if levels else base)
    return levels


def _visual_order(
    items: list[tuple[int, Face, int, int]],
) -> Iterable[tuple[int, Face, int, int]]:
    """Rule L2: from the highest level down to the lowest odd one, reverse every maximal
    sequence of items at that level or above."""
    if not items:
        return items
    ordered = list(items)
    highest = max(item[0] for item in ordered)
    lowest_odd = min((item[0] for item in ordered if item[0] % 2), default=highest + 1)
    for level in range(highest, lowest_odd - 1, -1):
        i = 0
        while i < len(ordered):
            if ordered[i][0] >= level:
                j = i
                while j < len(ordered) and ordered[j][0] >= level:
                    j += 1
                ordered[i:j] = reversed(ordered[i:j])
                i = j
            else:
                i += 1
    return ordered


# --------------------------------------------------------------------------------------
# Clusters


def clusters(text: str) -> list[tuple[int, int]]:
    """(start, end) of each character with the marks, joiners and selectors after it."""
    found: list[tuple[int, int]] = []
    start = 0
    for i in range(1, len(text) + 1):
        if i == len(text) or not _extends(text[i], text[i - 1]):
            found.append((start, i))
            start = i
    return found


def _extends(char: str, before: str) -> bool:
    if char in _JOINERS or before in _JOINERS:
        return True
    if "\ufe00" <= char <= "\ufe0f" or "\U000e0100" <= char <= "\U000e01ef":
        return True
    return unicodedata.category(char) in _EXTENDING


_LETTER, _COMMON, _ATTACHED = 0, 1, 2


def _kind(char: str) -> int:
    """A letter; a character every script shares (spaces, punctuation, symbols, ASCII
    digits); or one that belongs with the character before it (marks, joiners,
    variation selectors)."""
    if char in _JOINERS or "\ufe00" <= char <= "\ufe0f" or "\U000e0100" <= char <= "\U000e01ef":
        return _ATTACHED
    category = unicodedata.category(char)
    if category in _EXTENDING:
        return _ATTACHED
    if category[0] in "ZPS" or "0" <= char <= "9":
        return _COMMON
    return _LETTER
