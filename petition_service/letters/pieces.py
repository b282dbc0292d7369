"""Page pieces: the content the writer puts on pages, each drawn from `layout.py`'s geometry.

`Painter` is the one way text reaches a page: it shapes it (`shaping.py`) and writes the
text operators with the batch's fonts (`pdffonts.py`). The pieces are functions of plain
data returning content-stream bytes:

- `letter_page`: the letter as WeasyPrint laid it out (`render.py`);
- `footer` and `page_label`: the footer every page carries (the receipt's address and its
  QR code, `qr_code`, and the Merkle root among it);
- `signature`: a signer's name and place in letters mode;
- `Table`: the annex's pages of signers;
- `SignerWords`: what a letter words about a signer in its language (their country's name,
  the label of a withheld name), for the signature and the table.

Right-to-left letters get everything mirrored: the signature at the right, the table's
columns from the right, the footer's two sides swapped (the QR code at the left).
"""

from __future__ import annotations

import datetime
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from unicodedata import bidirectional

import segno

from ..signatures.countries import country_name
from . import layout as L
from .context import LetterContext
from .fonts import Region, Style, chain, region_for
from .pdffonts import FontBook, run_ops
from .pdfwriter import fmt
from .render import LetterPage, Slot
from .shaping import BoundedCache, Direction, Line, Run, Shaper, clusters

ELLIPSIS = "…"
#: Between a signer's city and country.
PLACE_SEPARATOR = ", "
#: Bidi classes that make a text run right to left somewhere.
_RIGHT_TO_LEFT = frozenset({"R", "AL", "AN"})
_TWO_LINES = ("", "", "", "")


@dataclass(frozen=True, slots=True)
class Text:
    """Text ready to place after a ``Tm``: its operators and its width at its size.

    ``ops`` selects its font first; ``body`` is the same without that first selection, for a
    caller that knows ``font`` is already selected (at the same size); ``last_font`` is the
    one selected after it.
    """

    ops: str
    width: float
    font: str
    body: str
    last_font: str


class Painter:
    """Text to PDF operators for one batch: shaping, fonts and their caches."""

    def __init__(self, language: str = "en") -> None:
        self.language = language
        self.shaper = Shaper()
        self.fonts = FontBook()
        #: Characters no font of the set has, drawn as empty boxes (reported by the caller).
        self.unprintable: set[str] = set()
        self._texts: BoundedCache[tuple[object, ...], Text] = BoundedCache()
        self._encoded: BoundedCache[tuple[Run, float, float], str] = BoundedCache()
        self._sizes: dict[float, str] = {}
        self._places: BoundedCache[tuple[str, str, Region, bool], Line] = BoundedCache()
        self._signer: tuple[tuple[str, str, str, Region, bool], Line, Line] | None = None

    def region(self, text: str, country: str | None = None) -> Region:
        return region_for(text, country, self.language)

    def line(
        self,
        text: str,
        style: Style,
        *,
        region: Region | None = None,
        direction: Direction = "auto",
        nominal: bool = True,
        cache: bool = True,
        language: str | None = None,
    ) -> Line:
        """``language``: the text's, where it is not the petition's (a recipient's letter
        in another language); it picks the CJK forms and tunes the shaping of unnominal
        text."""
        language = language or self.language
        return self.shaper.line(
            text,
            style,
            region=region or region_for(text, None, language),
            direction=direction,
            language=None if nominal else language,
            nominal=nominal,
            cache=cache,
        )

    def width(
        self,
        text: str,
        style: Style,
        size: float,
        *,
        region: Region | None = None,
        direction: Direction = "auto",
        cache: bool = True,
    ) -> float:
        line = self.line(text, style, region=region, direction=direction, cache=cache)
        return line.width_at(size)

    def text(
        self,
        text: str,
        style: Style,
        size: float,
        *,
        region: Region | None = None,
        direction: Direction = "auto",
        cache: bool = True,
    ) -> Text:
        """``text`` as one line at ``size``: operators (font selection included) and width."""
        key = (text, style, size, region, direction)
        found = self._texts.get(key) if cache else None
        if found is None:
            line = self.line(text, style, region=region, direction=direction, cache=cache)
            found = self.shown(line, size)
            if cache:
                self._texts.put(key, found)
        return found

    def shown(self, line: Line, size: float) -> Text:
        first, body, last = self._ops(line, size)
        return Text(
            f"/{first} {self._size(size)} Tf {body}", line.width_at(size), first, body, last
        )

    def ops(self, line: Line, size: float, word_spacing: float = 0.0) -> str:
        """Operators drawing ``line`` from the current text position, its font included.

        ``word_spacing``: extra points after each space (justified lines).
        """
        first, body, _last = self._ops(line, size, word_spacing)
        return f"/{first} {self._size(size)} Tf {body}"

    def _size(self, size: float) -> str:
        found = self._sizes.get(size)
        if found is None:
            found = self._sizes[size] = fmt(size)
        return found

    def ops_parts(self, line: Line, size: float) -> tuple[str, str, str]:
        """(first font, operators after selecting it, last font selected): for a caller
        that selects fonts only when they change."""
        return self._ops(line, size)

    def _ops(self, line: Line, size: float, word_spacing: float = 0.0) -> tuple[str, str, str]:
        """(first font, operators after selecting it, last font selected)."""
        if line.unprintable:
            self.unprintable.update(line.unprintable)
        space_extra = word_spacing * 1000.0 / size if word_spacing else 0.0
        parts = []
        current = first = None
        for run in line.runs:
            font = self.fonts.font(run.face)
            if current is None:
                first = current = font
            elif font is not current:
                parts.append(f"/{font.resource} {self._size(size)} Tf")
                current = font
            if run.glyphs is None or space_extra:
                parts.append(run_ops(run, font, size, space_extra))
                continue
            key = (run, size, space_extra)
            encoded = self._encoded.get(key)
            if encoded is None:
                encoded = run_ops(run, font, size, space_extra)
                self._encoded.put(key, encoded)
            parts.append(encoded)
        if first is None or current is None:  # an empty line
            first = current = self.fonts.font(chain("sans")[0])
        return first.resource, " ".join(parts), current.resource

    def signature_lines(
        self, name: str, city: str, country: str, region: Region, rtl: bool
    ) -> tuple[Line, Line]:
        """The name (bold) and place of the signer being drawn, shaped once for all the
        recipients' signature boxes: the last signer's are remembered."""
        key = (name, city, country, region, rtl)
        if self._signer is None or self._signer[0] != key:
            self._signer = (
                key,
                self.line(name, "serif-bold", region=region, cache=False),
                self.place_line(city, country, region, rtl),
            )
        return self._signer[1], self._signer[2]

    def place_line(self, city: str, country: str, region: Region, rtl: bool) -> Line:
        """ "city, country" in the document's direction, the city and the country each an
        isolated run in its own: in a left-to-right letter an Arabic city and an English
        country read "تونس, Tunisia", the city first from the left; in a right-to-left
        letter the city comes first from the right."""
        if not (city and country):
            return self.line(city or country, "serif", region=region)
        key = (city, country, region, rtl)
        found = self._places.get(key)
        if found is not None:  # places repeat across signers
            return found
        if not rtl and not any(bidirectional(c) in _RIGHT_TO_LEFT for c in city + country):
            # Left to right throughout: one line, as isolating would give (one run where the
            # faces allow, so pages stay as small as before).
            found = self.line(f"{city}{PLACE_SEPARATOR}{country}", "serif", region=region)
            self._places.put(key, found)
            return found
        parts = [
            self.line(city, "serif", region=region),
            self.line(PLACE_SEPARATOR, "serif", direction="rtl" if rtl else "ltr"),
            self.line(country, "serif", region=region),
        ]
        if rtl:
            parts.reverse()
        found = Line(
            tuple(run for part in parts for run in part.runs),
            sum(part.width for part in parts),
            "".join(part.unprintable for part in parts),
        )
        self._places.put(key, found)
        return found

    def wrap(
        self,
        text: str,
        style: Style,
        size: float,
        width: float,
        region: Region | None = None,
        cache: bool = True,
    ) -> list[str]:
        """``text`` in lines no wider than ``width``: at spaces, and inside a word only when
        the word alone is too wide (between characters, never inside a cluster)."""
        if self.width(text, style, size, region=region, cache=cache) <= width:
            return [text]
        lines: list[str] = []
        current = ""
        for word in text.split(" "):
            candidate = f"{current} {word}" if current else word
            if self.width(candidate, style, size, region=region) <= width:
                current = candidate
                continue
            if current:
                lines.append(current)
            while len(word) > 1 and self.width(word, style, size, region=region) > width:
                cut = _fitting_prefix(self, word, style, size, width, region)
                lines.append(word[:cut])
                word = word[cut:]
            current = word
        if current:
            lines.append(current)
        return lines

    def ellipsize(
        self,
        text: str,
        style: Style,
        size: float,
        width: float,
        direction: Direction = "auto",
    ) -> str:
        """``text``, cut at a cluster boundary and ended with "…" if wider than ``width``."""
        if self.width(text, style, size, direction=direction) <= width:
            return text
        ends = [end for _start, end in clusters(text)]
        for end in reversed(ends[:-1]):
            candidate = text[:end].rstrip() + ELLIPSIS
            if self.width(candidate, style, size, direction=direction) <= width:
                return candidate
        return ELLIPSIS


def _fitting_prefix(
    painter: Painter, word: str, style: Style, size: float, width: float, region: Region | None
) -> int:
    """The longest prefix of ``word`` (whole clusters, at least one) that fits ``width``."""
    ends = [end for _start, end in clusters(word)]
    best = ends[0]
    for end in ends[:-1]:
        if painter.width(word[:end], style, size, region=region) > width:
            break
        best = end
    return best


def _color(gray: float | tuple[float, float, float]) -> str:
    if isinstance(gray, tuple):
        return "{} {} {} rg".format(*(fmt(c) for c in gray))
    return f"{fmt(gray)} g"


def _tm(x: float, y: float, h: float = 1.0, v: float = 1.0) -> str:
    return f"{fmt(h)} 0 0 {fmt(v)} {fmt(x)} {fmt(y)} Tm "


# --------------------------------------------------------------------------------------
# The letter


def letter_page(painter: Painter, page: LetterPage, language: str) -> bytes:
    """The letter's page as WeasyPrint laid it out: its rules, then its lines of text (in
    ``language``, the recipient's letter's)."""
    parts = [
        f"q {fmt(r.gray)} G {fmt(r.width)} w {fmt(r.x0)} {fmt(r.y0)} m "
        f"{fmt(r.x1)} {fmt(r.y1)} l S Q"
        for r in page.rules
    ]
    parts.append("BT")
    color = None
    for item in page.lines:
        line = painter.line(
            item.text,
            item.style,
            direction=item.direction,
            nominal=False,
            cache=False,
            language=language,
        )
        spaces = sum(run.text.count(" ") for run in line.runs)
        width = line.width_at(item.size) + spaces * item.word_spacing
        # Right-to-left lines start at their right edge, as WeasyPrint placed them.
        x = item.x if item.direction != "rtl" else item.x + item.width - width
        if item.gray != color:
            parts.append(_color(item.gray))
            color = item.gray
        parts.append(_tm(x, item.baseline) + painter.ops(line, item.size, item.word_spacing))
    parts.append("ET")
    return "\n".join(parts).encode("ascii")


# --------------------------------------------------------------------------------------
# Footer


def footer(painter: Painter, ctx: LetterContext, total_pages: int) -> bytes:
    """The footer all pages of a document share (one form XObject): a rule; "organisation ·
    title", the date of issue and the batch, the receipt's address and the Merkle root at
    the start side; the receipt's QR code at the end side. Each page adds `page_label`."""
    lang = L.labels_language(ctx.language)
    labels = L.LABELS[lang]
    rtl = L.is_rtl(ctx.language)
    direction = "rtl" if rtl else "auto"
    size = L.FOOTER_SIZE
    x0, x1 = footer_text_band(rtl)
    widest_label = painter.width(labels["page"].format(x=total_pages, y=total_pages), "sans", size)
    line1 = painter.ellipsize(
        f"{ctx.organisation} · {ctx.petition_title}",
        "sans",
        size,
        L.FOOTER_TEXT_W - widest_label - L.FOOTER_GAP,
        direction,
    )
    issued = labels["issued"].format(date=L.format_date(ctx.issued_on, lang))
    issued_width = painter.width(issued, "sans", size, direction=direction)
    batch = painter.ellipsize(
        labels["batch"].format(id=ctx.batch_id),
        "sans",
        size,
        L.FOOTER_TEXT_W - issued_width - L.FOOTER_GAP,
        direction,
    )
    rule_x0, rule_x1 = L.MARGIN_LEFT, L.PAGE_W - L.MARGIN_RIGHT
    parts = [
        f"q 0.6 G 0.5 w {fmt(rule_x0)} {fmt(L.FOOTER_RULE_Y)} m {fmt(rule_x1)} "
        f"{fmt(L.FOOTER_RULE_Y)} l S Q",
        f"BT {fmt(L.FOOTER_GRAY)} g",
    ]
    for text, y, at_start in (
        (line1, L.FOOTER_LINE1_Y, True),
        (issued, L.FOOTER_LINE2_Y, True),
        (batch, L.FOOTER_LINE2_Y, False),
    ):
        shown = painter.text(text, "sans", size, direction=direction)
        parts.append(_tm(_aligned(shown.width, x0, x1, at_start, rtl), y) + shown.ops)
    for label, value, y in (
        (labels["receipt"], ctx.receipt_url, L.FOOTER_LINE3_Y),
        (labels["root"], ctx.merkle_root, L.FOOTER_LINE4_Y),
    ):
        if value:
            parts.append(_labelled(painter, label, value, y, rtl))
    parts.append("ET")
    if ctx.receipt_url:
        qr_x = L.MARGIN_LEFT if rtl else L.PAGE_W - L.MARGIN_RIGHT - L.QR_SIZE
        parts.append(qr_code(ctx.receipt_url, qr_x, L.QR_BOTTOM, L.QR_SIZE))
    return "\n".join(parts).encode("ascii")


def footer_text_band(rtl: bool) -> tuple[float, float]:
    """(left, right) of the footer's text: the text column less the QR code and its gap,
    which stand at the end side (the right; the left in a right-to-left letter)."""
    if rtl:
        return L.PAGE_W - L.MARGIN_RIGHT - L.FOOTER_TEXT_W, L.PAGE_W - L.MARGIN_RIGHT
    return L.MARGIN_LEFT, L.MARGIN_LEFT + L.FOOTER_TEXT_W


def _labelled(painter: Painter, label: str, value: str, y: float, rtl: bool) -> str:
    """ "Label: value" at the footer's start side, the value (an address, a hash) always
    left to right and whole: squeezed horizontally if it would not fit, never cut."""
    size = L.FOOTER_SIZE
    x0, x1 = footer_text_band(rtl)
    head = painter.text(f"{label}:", "sans", size, direction="rtl" if rtl else "auto")
    body = painter.text(value, "sans", size, direction="ltr")
    space = size * 0.3
    room = x1 - x0 - head.width - space
    scale = min(1.0, room / body.width) if body.width else 1.0
    if rtl:
        head_x = x1 - head.width
        body_x = head_x - space - body.width * scale
    else:
        head_x = x0
        body_x = x0 + head.width + space
    return _tm(head_x, y) + head.ops + " " + _tm(body_x, y, scale) + body.ops


def qr_code(text: str, x: float, y: float, size: float) -> str:
    """``text`` as a QR code (error correction M) filling the square of side ``size``
    whose bottom left corner is (x, y): each row's runs of dark modules as one filled
    rectangle each, in black. Vector, no image: sharp at any zoom and printer."""
    code = segno.make(text, error="m", micro=False)
    rows = [tuple(row) for row in code.matrix_iter(scale=1, border=0)]
    module = size / len(rows)
    rects = []
    for r, row in enumerate(rows):
        bottom = fmt(y + size - (r + 1) * module)
        c, n = 0, len(row)
        while c < n:
            if not row[c]:
                c += 1
                continue
            start = c
            while c < n and row[c]:
                c += 1
            rects.append(
                f"{fmt(x + start * module)} {bottom} {fmt((c - start) * module)} {fmt(module)} re"
            )
    return "q 0 g\n" + "\n".join(rects) + "\nf Q"


def page_label(painter: Painter, language: str, number: int, total: int) -> bytes:
    """ "Page X of Y" at the end side of the footer's first line, beside the QR code (once
    per page: in nominal glyphs where the words allow, without shaping)."""
    lang = L.labels_language(language)
    rtl = L.is_rtl(language)
    text = L.LABELS[lang]["page"].format(x=number, y=total)
    primary = painter.fonts.font(chain("sans")[0])
    face = primary.face
    if not rtl and face.nominal_chars.issuperset(text):
        width = sum(map(face.nominal_widths.__getitem__, text)) * L.FOOTER_SIZE / 1000.0
        ops = f"/{primary.resource} {L.FOOTER_SIZE:g} Tf <{primary.nominal(text)}>Tj"
    else:
        line = painter.line(text, "sans", direction="rtl" if rtl else "auto", cache=False)
        width = line.width_at(L.FOOTER_SIZE)
        ops = painter.ops(line, L.FOOTER_SIZE)
    x = _aligned(width, *footer_text_band(rtl), False, rtl)
    y = L.FOOTER_LINE1_Y
    return f"BT {L.FOOTER_GRAY:g} g 1 0 0 1 {x:.2f} {y:.2f} Tm {ops} ET".encode("ascii")


def _aligned(width: float, left: float, right: float, at_start: bool, rtl: bool) -> float:
    """The x where text of ``width`` starts, at the start or end side of [left, right]."""
    return left if at_start != rtl else right - width


# --------------------------------------------------------------------------------------
# Signature (letters mode)


def signature(
    painter: Painter, name: str, city: str, country: str, slot: Slot, rtl: bool, region: Region
) -> bytes:
    """The signer's name (bold) and place ("city, country") in the letter's signature box.

    Wrapped to the box's width and shrunk step by step until it fits above the content
    bottom; at the smallest size it is drawn whole even if it does not fit (it then reaches
    into the margin above the footer): nothing is ever cut off.
    """
    avail = slot.top - L.CONTENT_BOTTOM - 2
    size = L.SIG_SIZE
    lead = L.LINE_HEIGHT * size
    has_place = bool(city or country)
    # Names are seen once: their line is not kept (its words are, by the shaper), but it is
    # shaped once for every recipient's box.
    name_line, place_line = painter.signature_lines(name, city, country, region, rtl)
    lines: list[Line]
    fits_at_once = (1 + has_place) * lead <= avail and max(
        name_line.width_at(size), place_line.width_at(size)
    ) <= slot.width
    if fits_at_once:  # nearly always: one line each, full size
        lines = [name_line, place_line] if has_place else [name_line]
    else:
        while True:
            name_lines = painter.wrap(name, "serif-bold", size, slot.width, region, cache=False)
            place_lines = _place_lines(painter, city, country, place_line, size, slot, region)
            lead = L.LINE_HEIGHT * size
            if (len(name_lines) + len(place_lines)) * lead <= avail or (
                size * L.SIG_SHRINK < L.SIG_MIN_SIZE
            ):
                break
            size *= L.SIG_SHRINK
        lines = [
            painter.line(text, "serif-bold", region=region, cache=False) for text in name_lines
        ]
        for item in place_lines:  # a piece of the place in the letter's direction
            if isinstance(item, str):
                item = painter.line(item, "serif", region=region, direction="rtl" if rtl else "ltr")
            lines.append(item)
    descriptor = chain("serif-bold")[0].descriptor
    half_lead = (lead - (descriptor.ascent - descriptor.descent) * size / 1000) / 2
    y = slot.top - half_lead - descriptor.ascent * size / 1000
    parts = [f"BT {L.TEXT_GRAY:g} g"]
    for line in lines:
        width = line.width_at(size)
        x = slot.x + slot.width - width if rtl else slot.x
        parts.append(f"1 0 0 1 {x:.2f} {y:.2f} Tm {painter.ops(line, size)}")
        y -= lead
    parts.append("ET")
    return " ".join(parts).encode("ascii")


def _place_lines(
    painter: Painter, city: str, country: str, whole: Line, size: float, slot: Slot, region: Region
) -> list[Line | str]:
    """The place as it fits the box at ``size``: the whole line, else "city," and the
    country on lines of their own (each wrapped if it must be)."""
    if not (city or country):
        return []
    if whole.width_at(size) <= slot.width:
        return [whole]
    parts = [city + PLACE_SEPARATOR.rstrip(), country] if city and country else [city or country]
    return [
        text for part in parts for text in painter.wrap(part, "serif", size, slot.width, region)
    ]


# --------------------------------------------------------------------------------------
# A signer's words


def clean(text: str) -> str:
    """``text`` as printed: NFC, runs of white space as one space."""
    return unicodedata.normalize("NFC", " ".join(text.split()))


class SignerWords:
    """What a letter words about a signer, in its language: their country's name, and the
    label printed for a withheld name (`Signer.withheld`)."""

    def __init__(self, language: str) -> None:
        self.language = language
        self.withheld = L.LABELS[L.labels_language(language)]["withheld"]
        self._countries: BoundedCache[str, str] = BoundedCache()

    def country(self, code: str) -> str:
        """The country's name as printed ("" for none); a code nobody knows as it is given."""
        found = self._countries.get(code)
        if found is None:
            found = clean(country_name(code, self.language)) if code else ""
            self._countries.put(code, found)
        return found


# --------------------------------------------------------------------------------------
# Annex table


#: A signer in the table: number, name ("" when withheld), city, country code, date signed,
#: CJK region, withheld. The table words the country and a withheld name in its language.
Row = tuple[int, str, str, str, datetime.date, Region, bool]


class Table:
    """The annex's table pages in one language: a frame per row count, then one line of
    text per signer.

    When the recipients read several languages a page is drawn in two parts: what each
    language words (`own`: title, headings, a withheld name's label, countries, dates) and
    what every language written in the same direction shares (`shared`: numbers, names,
    cities). One language draws the whole page at once (`page`).
    """

    def __init__(self, painter: Painter, words: SignerWords, total: int) -> None:
        self.painter = painter
        self.words = words
        self.lang = L.labels_language(words.language)
        self.labels = L.LABELS[self.lang]
        self.rtl = L.is_rtl(words.language)
        self.direction: Direction = "rtl" if self.rtl else "auto"
        self.total = total
        self.columns = L.column_edges(self.rtl)
        # Per column: where its text goes (padding inside) and whether it starts at the
        # column's start side (the number column is aligned at its end, like numbers).
        self._cells = [
            (left + L.CELL_PAD, right - L.CELL_PAD, right - left - 2 * L.CELL_PAD, column != 0)
            for column, (left, right) in enumerate(self.columns)
        ]
        self.primary = painter.fonts.font(chain("sans")[0])
        self._frames: dict[int, str] = {}
        self._dates: dict[datetime.date, str] = {}
        self._places: BoundedCache[tuple[int, str, Region], tuple[str, str, str, str]] = (
            BoundedCache()
        )

    def page(self, rows: Sequence[Row], first_number: int) -> bytes:
        """A whole table page: title, frame and every cell."""
        return self._frame_and_text(rows, first_number, self._text(rows, shared=True, own=True))

    def own(self, rows: Sequence[Row], first_number: int) -> bytes:
        """What only readers of this table's language see on a page: its title, its frame
        (headings), and the cells it words: withheld names, countries and dates."""
        return self._frame_and_text(rows, first_number, self._text(rows, shared=False, own=True))

    def shared(self, rows: Sequence[Row]) -> bytes:
        """The rows' numbers, names and cities: the same for every language written in this
        table's direction."""
        return self._text(rows, shared=True, own=False).encode("ascii")

    def _frame_and_text(self, rows: Sequence[Row], first_number: int, text: str) -> bytes:
        frame = self._frames.get(len(rows))
        if frame is None:  # the same for every full page: worked out once
            frame = self._frames[len(rows)] = self._frame(len(rows))
        title = self._title(first_number, first_number + max(len(rows), 1) - 1)
        return "\n".join((title, frame, text)).encode("ascii")

    def _text(self, rows: Sequence[Row], *, shared: bool, own: bool) -> str:
        """The rows' text (``shared``: numbers, names, cities; ``own``: withheld names,
        countries, dates): the hot loop of annex mode (once per signer). Numbers and names
        in nominal glyphs are encoded in place; the other cells repeat, so each is worked
        out once per column into the operators around its row's baseline; a font is
        selected only when it changes."""
        painter, size = self.painter, L.TABLE_SIZE
        primary = self.primary
        nominal_chars, widths, hexes = (
            primary.face.nominal_chars,
            primary.face.nominal_widths,
            primary.face.nominal_hex,
        )
        used, resource = primary.nominal_used, primary.resource
        used.update("0123456789")
        scale = size / 1000.0
        size_text = fmt(size)
        header_bottom = L.TABLE_TOP - L.TITLE_BLOCK_H - L.HEADER_H
        offset = (L.ROW_H - size * 0.72) / 2
        cells, rtl, places, dates = self._cells, self.rtl, self._places, self._dates
        country_of, withheld_label = self.words.country, self.words.withheld
        out = [f"BT {fmt(L.TEXT_GRAY)} g"]
        append = out.append
        current = None
        number_x = cells[0][0] if rtl else cells[0][1]  # numbers at the column's end
        number_avail = cells[0][2]
        name_left, name_right, name_avail, _ = cells[1]
        for i, (number, name, city, code, signed_on, region, withheld) in enumerate(rows):
            row_bottom = header_bottom - (i + 1) * L.ROW_H
            y = f"{row_bottom + offset:.2f}"
            if shared:
                # The number: digits, nominal glyphs of the first face.
                digits = str(number)
                width = sum(map(widths.__getitem__, digits)) * scale
                if width > number_avail:
                    append(self._overflow(digits, region, 0, row_bottom, float(y), width))
                    current = None
                else:
                    x = number_x if rtl else number_x - width
                    start = "" if current == resource else f"/{resource} {size_text} Tf "
                    append(f"1 0 0 1 {x:.2f} {y} Tm {start}<{digits.translate(hexes)}>Tj")
                    current = resource
                # The name: nominal glyphs in place, or shaped.
                if nominal_chars.issuperset(name):
                    used.update(name)
                    width = sum(map(widths.__getitem__, name)) * scale
                    font = last = resource
                    body = f"<{name.translate(hexes)}>Tj"
                else:
                    # The shaped line is kept (a bounded cache: the same names recur), not
                    # its operators.
                    line = painter.line(name, "sans", region=region)
                    width = line.width_at(size)
                    font, body, last = painter.ops_parts(line, size)
                if width > name_avail:
                    append(self._overflow(name, region, 1, row_bottom, float(y), width))
                    current = None
                elif name:
                    x = name_right - width if rtl else name_left
                    start = "" if font == current else f"/{font} {size_text} Tf "
                    append(f"1 0 0 1 {x:.2f} {y} Tm {start}{body}")
                    current = last
            # The other cells repeat: each is worked out once per column, into the operators
            # around its row's baseline.
            worded: tuple[tuple[int, str], ...] = ()
            if own:
                date = dates.get(signed_on) or self._date(signed_on)
                label = withheld_label if withheld else ""
                worded = ((1, label), (3, country_of(code)), (4, date))
            for column, text in ((2, city), *worded) if shared else worded:
                if not text:
                    continue
                key = (column, text, region)
                cell = places.get(key)
                if cell is None:
                    cell = self._place_cell(text, column, region)
                    places.put(key, cell)
                if cell is _TWO_LINES:
                    width = painter.text(text, "sans", size, region=region).width
                    append(self._overflow(text, region, column, row_bottom, 0.0, width))
                    current = None
                    continue
                before, font, after, last = cell
                start = "" if font == current else f"/{font} {size_text} Tf "
                append(f"{before}{y} Tm {start}{after}")
                current = last
        append("ET")
        return "\n".join(out)

    def _title(self, first: int, last: int) -> str:
        painter, lang = self.painter, self.lang
        title = painter.text(
            self.labels["annex_title"], "sans-bold", L.TABLE_TITLE_SIZE, direction=self.direction
        )
        span = self.labels["annex_range"].format(
            a=L.format_count(first, lang),
            b=L.format_count(last, lang),
            n=L.format_count(self.total, lang),
        )
        shown = painter.text(
            span, "sans", L.TABLE_RANGE_SIZE, direction=self.direction, cache=False
        )
        y = L.TABLE_TOP - L.TABLE_TITLE_SIZE
        left, right = L.MARGIN_LEFT, L.PAGE_W - L.MARGIN_RIGHT
        return "BT {} rg {}{} {} g {}{} ET".format(
            " ".join(fmt(c) for c in L.TITLE_RGB),
            _tm(_aligned(title.width, left, right, True, self.rtl), y),
            title.ops,
            fmt(L.FOOTER_GRAY),
            _tm(_aligned(shown.width, left, right, False, self.rtl), y),
            shown.ops,
        )

    def _frame(self, n_rows: int) -> str:
        """Header band, zebra stripes, rules and column labels."""
        x0, width = L.MARGIN_LEFT, L.TEXT_W
        header_top = L.TABLE_TOP - L.TITLE_BLOCK_H
        header_bottom = header_top - L.HEADER_H
        table_bottom = header_bottom - n_rows * L.ROW_H
        parts = [
            f"0.9 0.92 0.95 rg {fmt(x0)} {fmt(header_bottom)} {fmt(width)} {fmt(L.HEADER_H)} re f"
        ]
        stripes = [
            f"{fmt(x0)} {fmt(header_bottom - (i + 1) * L.ROW_H)} {fmt(width)} {fmt(L.ROW_H)} re"
            for i in range(1, n_rows, 2)
        ]
        if stripes:
            parts.append("0.965 g " + " ".join(stripes) + " f")
        parts.append(
            f"0.45 G 0.6 w {fmt(x0)} {fmt(header_bottom)} m {fmt(x0 + width)} "
            f"{fmt(header_bottom)} l S 0.3 w {fmt(x0)} {fmt(table_bottom)} m "
            f"{fmt(x0 + width)} {fmt(table_bottom)} l S"
        )
        size = L.TABLE_HEADER_SIZE
        y = header_bottom + (L.HEADER_H - size * 0.72) / 2
        labels = ["BT 0.1 g"]
        for column, label in enumerate(self.labels["cols"]):
            shown = self.painter.text(label, "sans-bold", size, direction=self.direction)
            left, right = self.columns[column]
            # The number column is aligned at its end, like the numbers under it.
            x = _aligned(shown.width, left + L.CELL_PAD, right - L.CELL_PAD, column != 0, self.rtl)
            labels.append(_tm(x, y) + shown.ops)
        labels.append("ET")
        parts.append(" ".join(labels))
        return "\n".join(parts)

    def _date(self, day: datetime.date) -> str:
        found = self._dates.get(day)
        if found is None:
            found = self._dates[day] = L.format_date(day, self.lang)
        return found

    def _place_cell(self, text: str, column: int, region: Region) -> tuple[str, str, str, str]:
        """A place or date cell around its row's baseline: ``(before y, font, after y, last
        font)``, or `_TWO_LINES` for one too long even compressed."""
        left, right, avail, at_start = self._cells[column]
        shown = self.painter.text(text, "sans", L.TABLE_SIZE, region=region)
        if shown.width <= avail:
            x = _aligned(shown.width, left, right, at_start, self.rtl)
            return f"1 0 0 1 {x:.2f} ", shown.font, shown.body, shown.last_font
        scale = avail / shown.width
        if scale >= L.MIN_HSCALE:  # long dates and country names: compressed
            x = _aligned(avail, left, right, at_start, self.rtl)
            return f"{scale:.4f} 0 0 1 {x:.2f} ", shown.font, shown.body, shown.last_font
        return _TWO_LINES  # at heights of their own in the row: worked out per row

    def _overflow(
        self,
        text: str,
        region: Region,
        column: int,
        row_bottom: float,
        baseline: float,
        width: float,
    ) -> str:
        """A cell too wide for its column: compressed, then set on two smaller lines, so a
        column keeps its width whatever the script, and nothing is cut off."""
        left, right, avail, at_start = self._cells[column]
        painter, size = self.painter, L.TABLE_SIZE
        scale = avail / width
        if scale >= L.MIN_HSCALE:  # long dates and country names: cached like the others
            shown = painter.text(text, "sans", size, region=region, cache=column >= 2)
            return (
                _tm(_aligned(avail, left, right, at_start, self.rtl), baseline, scale) + shown.ops
            )
        parts = []
        halves = _halves(painter, text, size * L.TWO_LINE_SCALE, region)
        for part, y in zip(halves, (row_bottom + 8.4, row_bottom + 2.2), strict=True):
            if not part:
                continue
            piece = painter.text(part, "sans", size, region=region, cache=False)
            part_width = piece.width * L.TWO_LINE_SCALE
            h = min(1.0, avail / part_width) if part_width else 1.0
            v = 1.0 if h >= L.MIN_HSCALE else max(h / L.MIN_HSCALE, 0.3)
            x = _aligned(part_width * h, left, right, at_start, self.rtl)
            parts.append(_tm(x, y, h * L.TWO_LINE_SCALE, v * L.TWO_LINE_SCALE) + piece.ops)
        return " ".join(parts)


def _halves(painter: Painter, text: str, size: float, region: Region) -> tuple[str, str]:
    """``text`` in two lines as even as possible: at a space, else between clusters."""
    spaces = [i for i, c in enumerate(text) if c == " "]
    if spaces:
        cut = min(
            spaces,
            key=lambda i: max(
                painter.width(text[:i], "sans", size, region=region, cache=False),
                painter.width(text[i + 1 :], "sans", size, region=region, cache=False),
            ),
        )
        return text[:cut], text[cut + 1 :]
    ends = [end for _start, end in clusters(text)]
    cut = ends[len(ends) // 2 - 1] if len(ends) > 1 else len(text)
    return text[:cut], text[cut:]
