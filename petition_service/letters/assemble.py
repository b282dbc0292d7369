"""Assembling a batch's PDFs: one per recipient, the signers streamed once.

Pipeline (see NOTES.md):
1. WeasyPrint lays out each recipient's letter once (``render.render_letter``).
2. Each letter page is imported into a streaming writer as a Form XObject.
3. The signers are iterated ONCE.  The per-signer content (letters mode: the
   signature stamp and footer; annex mode: a page of table rows) is built once
   and written to every recipient's PDF, because it does not depend on the
   recipient: pages refer to the letter as ``/L0``, which is a different
   object in each file.
4. Packaged fonts are subset once to the characters actually used and
   embedded in every file.
   Nothing kept per page or per object grows with the signers: the writer spills its
   offset table to a temporary file, and the page tree is written as it fills
   (:class:`_PageTree`).
5. When signing, each file carries its own signature dictionary (placeholders),
   field and /AcroForm, written by the streaming writer; once the file is complete
   its byte range is hashed from disk and pyHanko makes only the CMS, written into
   the placeholder.  Nothing parses the file, so memory stays flat however many
   pages it has.  Then each file is copied to the caller's output stream.
"""

from __future__ import annotations

import contextlib
import datetime
import hashlib
import shutil
import tempfile
import zlib
from array import array
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, BinaryIO

from . import layout as L
from .context import (
    LetterContext,
    LetterRecipient,
    ProgressFn,
    RenderResult,
    SignerCountMismatch,
    SignerSource,
)
from .fonts import FontMetrics, metrics, sanitize, subset_font
from .pdfwriter import (
    EmbeddedFont,
    PdfWriter,
    SignatureSlot,
    fmt,
    import_pages_as_forms,
    pdf_string,
)
from .signing import FIELD_NAME

if TYPE_CHECKING:
    from .signing import PreparedSignature

FONT_RES = {"serif": b"F1", "serif-bold": b"F2", "sans": b"F3", "sans-bold": b"F4"}
#: Kids per page-tree node: a balanced tree of this fanout, three levels deep for up to a
#: million pages, so a viewer finds any page in a few reads.
KIDS_PER_NODE = 100
MEDIABOX = b"[0 0 %s %s]" % (fmt(L.PAGE_W).encode(), fmt(L.PAGE_H).encode())
TEXT_GRAY = b"0.067 g"
#: Entries kept per cache of repeated strings (dates, cities, countries): bounds memory
#: whatever the batch holds; strings seen after it is full are simply worked out again.
CACHE_SIZE = 20_000


@dataclass(frozen=True)
class SigningConfig:
    key_pem_path: str
    cert_pem_path: str
    reason: str | None = None
    location: str | None = None


class _Fonts:
    """Tracks which characters are drawn with which packaged font."""

    def __init__(self):
        self.m: dict[str, FontMetrics] = {k: metrics(k) for k in FONT_RES}
        self.used: dict[str, set] = {k: set() for k in FONT_RES}

    def show(self, key: str, text: str) -> bytes:
        self.used[key].update(text)
        return self.m[key].encode(text).encode("ascii")


def _wrap(text: str, m: FontMetrics, size: float, width: float) -> list[str]:
    if m.width(text, size) <= width:
        return [text]
    lines: list[str] = []
    cur = ""
    for word in text.split(" "):
        cand = f"{cur} {word}" if cur else word
        if m.width(cand, size) <= width:
            cur = cand
            continue
        if cur:
            lines.append(cur)
        # Break a single over-long word by characters.
        while m.width(word, size) > width and len(word) > 1:
            cut = len(word) - 1
            while cut > 1 and m.width(word[:cut], size) > width:
                cut -= 1
            lines.append(word[:cut])
            word = word[cut:]
        cur = word
    if cur:
        lines.append(cur)
    return lines


def _ellipsize(text: str, m: FontMetrics, size: float, width: float) -> str:
    if m.width(text, size) <= width:
        return text
    while text and m.width(text + "…", size) > width:
        text = text[:-1]
    return text.rstrip() + "…"


def _overflow_cell(
    m: FontMetrics,
    text: str,
    width: float,
    avail: float,
    x: float,
    baseline: float,
    row_bottom: float,
    size: float,
) -> str:
    """Ops for a table cell whose text is wider than the cell (rare path).

    Never truncates: first compress horizontally down to MIN_HSCALE, then
    split over two smaller lines inside the row, then compress further.
    """
    enc = m.encode
    h = avail / width
    min_h = L.MIN_HSCALE / 100
    if h >= min_h:
        return f" {h:.4f} 0 0 1 {x:.2f} {baseline:.2f} Tm <{enc(text)}> Tj"
    # Two lines at a smaller size; split at the space that best balances them.
    s2 = size * 0.68
    spaces = [i for i, c in enumerate(text) if c == " "]
    if spaces:
        cut = min(spaces, key=lambda i: max(m.width(text[:i], s2), m.width(text[i + 1 :], s2)))
        parts = [text[:cut], text[cut + 1 :]]
    else:
        mid = len(text) // 2
        parts = [text[:mid], text[mid:]]
    ops = []
    ys = (row_bottom + 8.4, row_bottom + 2.2)
    for part, y in zip(parts, ys, strict=False):
        w = m.width(part, s2)
        hs = min(1.0, avail / w) if w else 1.0
        vs = 1.0 if hs >= min_h else max(hs / min_h, 0.3)
        ops.append(
            f" {hs * s2 / size:.4f} 0 0 {vs * s2 / size:.4f} {x:.2f} {y:.2f} Tm <{enc(part)}> Tj"
        )
    return "".join(ops)


def _source_iter(signers: SignerSource):
    return iter(signers()) if callable(signers) else iter(signers)


class _PageTree:
    """A balanced page tree whose nodes are written as soon as they are full.

    A page's /Parent must be known when the page is written, so a node's number is
    reserved when its first kid arrives, and the node itself is written once it has
    :data:`KIDS_PER_NODE` kids (or at :meth:`finish`). Only one open node per level is
    kept, with at most that many kid numbers: memory does not grow with the pages, where
    a list of every page's number (for /Kids at the end) grew by 8 bytes per page.
    The number of pages is known up front, so is the height; the root is ``root``.
    """

    def __init__(self, w: PdfWriter, root: int, n_pages: int) -> None:
        self.w = w
        self.n_pages = n_pages
        self.added = 0
        self.first_page: int | None = None
        height = 1
        while KIDS_PER_NODE**height < n_pages:
            height += 1
        # Per level from the pages' parents (0) up to the root (height - 1): the open
        # node's number, its kids and the pages under the kids already closed.
        self._root = root
        self._num: list[int | None] = [None] * (height - 1) + [root]
        self._kids = [array("q") for _ in range(height)]
        self._count = [0] * height

    def _open(self, level: int) -> int:
        num = self._num[level]
        if num is None:
            num = self._num[level] = self.w.reserve()
            self._kids[level + 1].append(num)
        return num

    def add(self, page: int) -> int:
        """Register ``page`` as the next page; return its /Parent's number."""
        if self.added == self.n_pages:
            raise RuntimeError(f"more than the {self.n_pages} pages announced")
        if self.first_page is None:
            self.first_page = page
        parent = self._open(0)
        self._kids[0].append(page)
        self._count[0] += 1
        self.added += 1
        level = 0
        # A full node is written at once, then so is its parent if that fills it.
        while level < len(self._num) - 1 and len(self._kids[level]) == KIDS_PER_NODE:
            self._close(level)
            level += 1
        return parent

    def _close(self, level: int) -> None:
        num = self._num[level]
        assert num is not None
        parent = self._open(level + 1)
        kids = self._kids[level]
        self.w.obj(
            num,
            b"<</Type/Pages/Parent %d 0 R/Kids[%s]/Count %d>>"
            % (parent, b" ".join(b"%d 0 R" % k for k in kids), self._count[level]),
        )
        self._count[level + 1] += self._count[level]
        self._num[level], self._count[level] = None, 0
        del kids[:]

    def finish(self) -> None:
        """Write the nodes still open, the root last."""
        if self.added != self.n_pages:
            raise RuntimeError(f"wrote {self.added} pages, expected {self.n_pages}")
        top = len(self._num) - 1
        for level in range(top):
            if self._num[level] is not None:
                self._close(level)
        kids = self._kids[top]
        self.w.obj(
            self._root,
            b"<</Type/Pages/Kids[%s]/Count %d>>"
            % (b" ".join(b"%d 0 R" % k for k in kids), self._count[top]),
        )


class _Doc:
    """One recipient's output PDF under construction."""

    def __init__(
        self,
        fp,
        letter,
        lang: str,
        signature: PreparedSignature | None = None,
        tmp_dir: str | None = None,
    ):
        self.fp = fp
        self.letter = letter
        self.w = PdfWriter(fp, tmp_dir=tmp_dir)
        base = self.w.reserve(5)
        self.catalog = base
        self.pages_root, self.resources, self.info, self.footer = (
            base + 1,
            base + 2,
            base + 3,
            base + 4,
        )
        self.signature = signature
        self.signature_slot: SignatureSlot | None = None
        if signature is not None:
            # Reserved up front: the first page refers to the field before it is written.
            self.sig_field = self.w.reserve(2)
            self.sig_dict = self.sig_field + 1
        self.letter_forms = import_pages_as_forms(self.w, letter.pdf)
        self.lang = lang

    def start_pages(self, n_pages: int) -> None:
        self.n_pages = n_pages
        self.tree = _PageTree(self.w, self.pages_root, n_pages)

    def add_page(self, content_nums: bytes) -> None:
        w = self.w
        num = w.reserve()
        first = self.tree.added == 0
        parent = self.tree.add(num)
        # The signature's (invisible) widget sits on the first page, as viewers expect.
        annots = b"/Annots[%d 0 R]" % self.sig_field if first and self.signature else b""
        w.obj(
            num,
            b"<</Type/Page/Parent %d 0 R/MediaBox%s/Resources %d 0 R/Contents %s%s>>"
            % (parent, MEDIABOX, self.resources, content_nums, annots),
        )

    def write_signature(self) -> None:
        """The signature field (an invisible, locked, printable widget) and its value."""
        sig = self.signature
        assert sig is not None
        assert self.tree.first_page is not None, "the signature widget needs a first page"
        w = self.w
        w.obj(
            self.sig_field,
            b"<</Type/Annot/Subtype/Widget/FT/Sig/T(%s)/V %d 0 R/P %d 0 R/Rect[0 0 0 0]/F 132>>"
            % (FIELD_NAME.encode(), self.sig_dict, self.tree.first_page),
        )
        self.signature_slot = w.signature_dict(
            self.sig_dict, sig.signed_at, sig.reason, sig.location, sig.hex_digits
        )

    def catalog_signature_entries(self) -> bytes:
        if self.signature is None:
            return b""
        return (
            b"/AcroForm<</Fields[%d 0 R]/SigFlags 3>>" % self.sig_field
            + self.signature.catalog_entries
        )


class BatchRenderer:
    def __init__(
        self, ctx: LetterContext, recipients: Sequence[LetterRecipient], total: int, mode: str
    ):
        if mode not in ("letters", "annex"):
            raise ValueError(f"mode must be 'letters' or 'annex', not {mode!r}")
        if total < 1:
            raise ValueError("a batch needs at least one signer")
        if not recipients:
            raise ValueError("a batch needs at least one recipient")
        self.ctx, self.recipients, self.total, self.mode = ctx, list(recipients), total, mode
        self.lang = ctx.language
        self.labels = L.LABELS[self.lang]
        self.fonts = _Fonts()
        self.degraded_names: list[str] = []
        self.degraded_ctx: list[str] = []
        self._date_cache: dict = {}
        self._place_cache: dict[str, tuple[str, bool]] = {}
        self._place_cells: dict[str, tuple[str, float]] = {}
        self._table_frames: dict[int, list[bytes]] = {}
        #: Per output, where its signature's placeholders are (set by `run` when signing).
        self.signature_slots: list[SignatureSlot | None] = []

    # ---------------------------------------------------------------- footer
    def _footer_form(self) -> bytes:
        f = self.fonts
        ms = f.m["sans"]
        size = L.FOOTER_SIZE
        x0, x1 = L.MARGIN_LEFT, L.PAGE_W - L.MARGIN_RIGHT
        org, bad1 = sanitize(self.ctx.organisation)
        title, bad2 = sanitize(self.ctx.petition_title)
        batch, bad3 = sanitize(self.labels["batch"].format(id=self.ctx.batch_id))
        for bad, field in ((bad1, "organisation"), (bad2, "petition_title"), (bad3, "batch_id")):
            if bad and field not in self.degraded_ctx:
                self.degraded_ctx.append(field)
        issued = self.labels["issued"].format(date=L.format_date(self.ctx.issued_on, self.lang))
        widest_page = self.labels["page"].format(x=self.total + 10, y=self.total + 10)
        room = L.TEXT_W - ms.width(widest_page, size) - 12
        line1 = _ellipsize(f"{org} · {title}", ms, size, room)
        room2 = L.TEXT_W - ms.width(issued, size) - 12
        batch = _ellipsize(batch, ms, size, room2)
        bx = x1 - ms.width(batch, size)
        ops = (
            b"q 0.6 G 0.5 w %s %s m %s %s l S Q "
            b"BT 0.33 g /F3 %s Tf 1 0 0 1 %s %s Tm <%s> Tj 1 0 0 1 %s %s Tm <%s> Tj "
            b"1 0 0 1 %s %s Tm <%s> Tj ET"
            % (
                fmt(x0).encode(),
                fmt(L.FOOTER_RULE_Y).encode(),
                fmt(x1).encode(),
                fmt(L.FOOTER_RULE_Y).encode(),
                fmt(size).encode(),
                fmt(x0).encode(),
                fmt(L.FOOTER_LINE1_Y).encode(),
                f.show("sans", line1),
                fmt(x0).encode(),
                fmt(L.FOOTER_LINE2_Y).encode(),
                f.show("sans", issued),
                fmt(bx).encode(),
                fmt(L.FOOTER_LINE2_Y).encode(),
                f.show("sans", batch),
            )
        )
        return ops

    def _page_label(self, x: int, y: int) -> bytes:
        ms = self.fonts.m["sans"]
        text = self.labels["page"].format(x=x, y=y)
        px = L.PAGE_W - L.MARGIN_RIGHT - ms.width(text, L.FOOTER_SIZE)
        return b"BT 0.33 g /F3 %s Tf 1 0 0 1 %s %s Tm <%s> Tj ET" % (
            fmt(L.FOOTER_SIZE).encode(),
            fmt(px).encode(),
            fmt(L.FOOTER_LINE1_Y).encode(),
            self.fonts.show("sans", text),
        )

    # ------------------------------------------------------------- signature
    def _signature_ops(self, name: str, place: str, slot) -> bytes:
        mb, mr = self.fonts.m["serif-bold"], self.fonts.m["serif"]
        x, top, w, _h = slot
        avail_h = top - L.CONTENT_BOTTOM - 2
        size = L.SIG_SIZE
        while True:
            lead = 1.42 * size
            name_lines = _wrap(name, mb, size, w)
            place_lines = _wrap(place, mr, size, w) if place else []
            if (len(name_lines) + len(place_lines)) * lead <= avail_h:
                break
            size *= 0.88
        half_lead = (lead - (mb.ascent - mb.descent) * size / 1000) / 2
        y = top - half_lead - mb.ascent * size / 1000
        s = fmt(size).encode()
        parts = [b"BT ", TEXT_GRAY, b" /F2 ", s, b" Tf"]
        show = self.fonts.show
        for line in name_lines:
            parts.append(
                b" 1 0 0 1 %s %s Tm <%s> Tj"
                % (fmt(x).encode(), fmt(y).encode(), show("serif-bold", line))
            )
            y -= lead
        if place_lines:
            parts.append(b" /F1 %s Tf" % s)
            for line in place_lines:
                parts.append(
                    b" 1 0 0 1 %s %s Tm <%s> Tj"
                    % (fmt(x).encode(), fmt(y).encode(), show("serif", line))
                )
                y -= lead
        parts.append(b" ET")
        return b"".join(parts)

    def _clean_signer(self, s) -> tuple[str, str, str]:
        name, b1 = sanitize(s.name)
        city, b2 = self._clean_place(s.city)
        country, b3 = self._clean_place(s.country)
        if b1 or b2 or b3:
            self.degraded_names.append(s.name)
        return name, city, country

    def _clean_place(self, text: str) -> tuple[str, bool]:
        """`sanitize`, remembered: cities and countries repeat across signers."""
        v = self._place_cache.get(text)
        if v is None:
            v = sanitize(text)
            if len(self._place_cache) < CACHE_SIZE:
                self._place_cache[text] = v
        return v

    # ------------------------------------------------------------------ run
    def run(
        self,
        outs: Sequence[BinaryIO],
        signers: SignerSource,
        progress: ProgressFn | None,
        letters_layouts,
        signature: PreparedSignature | None = None,
        tmp_dir: str | None = None,
    ) -> list[RenderResult]:
        """Write every recipient's PDF; with ``signature``, each holds a signature to fill in.

        The PDFs are complete but for the signature's /ByteRange and /Contents, whose
        positions are left in :attr:`signature_slots` for :func:`.signing.sign_written_pdf`.
        ``tmp_dir``: where the writers spill their offset tables.
        """
        docs = [
            _Doc(fp, lay, self.lang, signature, tmp_dir)
            for fp, lay in zip(outs, letters_layouts, strict=True)
        ]
        try:
            return self._write(docs, signers, progress)
        except BaseException:
            for d in docs:  # a failed batch leaves no spill file open
                d.w.discard()
            raise

    def _write(self, docs: list[_Doc], signers: SignerSource, progress) -> list[RenderResult]:
        footer_ops = self._footer_form()
        for d in docs:
            d.w.stream(
                d.footer,
                b"/Type/XObject/Subtype/Form/BBox%s/Resources %d 0 R" % (MEDIABOX, d.resources),
                footer_ops,
            )
        if self.mode == "letters":
            for d in docs:
                d.start_pages(self.total)
            count = self._run_letters(docs, signers, progress)
        else:
            n_table = L.table_pages(self.total)
            for d in docs:
                d.start_pages(len(d.letter_forms) + n_table)
            count = self._run_annex(docs, signers, progress, n_table)
        if count != self.total:
            raise SignerCountMismatch(
                f"signer source yielded {count} signers, expected total={self.total}"
            )
        self._finish(docs)
        self.signature_slots = [d.signature_slot for d in docs]
        return [
            RenderResult(
                pages=d.n_pages,
                degraded_names=list(self.degraded_names),
                degraded_fields=sorted(set(self.degraded_ctx) | set(d.letter.degraded_fields)),
                bytes_written=d.w.pos,
            )
            for d in docs
        ]

    def _run_letters(self, docs, signers, progress) -> int:
        total = self.total
        slot = docs[0].letter.signature_slot
        # All recipients' letters must put the signature at the same place for
        # the stamp to be shared; otherwise build one stamp per distinct slot.
        slots = {d.letter.signature_slot for d in docs}
        head = b"q /L0 Do Q q /Ft Do Q "
        n = 0
        step = max(1, min(1000, total // 100))
        for s in _source_iter(signers):
            n += 1
            if n > total:
                raise SignerCountMismatch(f"signer source yielded more than total={total} signers")
            name, city, country = self._clean_signer(s)
            place = ", ".join(p for p in (city, country) if p)
            label = self._page_label(n, total)
            if len(slots) == 1:
                content = head + self._signature_ops(name, place, slot) + b" " + label
                for d in docs:
                    w = d.w
                    c = w.reserve()
                    w.stream(c, b"", content)
                    d.add_page(b"%d 0 R" % c)
            else:
                for d in docs:
                    content = (
                        head
                        + self._signature_ops(name, place, d.letter.signature_slot)
                        + b" "
                        + label
                    )
                    w = d.w
                    c = w.reserve()
                    w.stream(c, b"", content)
                    d.add_page(b"%d 0 R" % c)
            if progress and n % step == 0:
                progress(n, total)
        if progress and n % step:
            progress(n, total)
        return n

    # ----------------------------------------------------------------- annex
    def _run_annex(self, docs, signers, progress, n_table) -> int:
        for d in docs:
            y = len(d.letter_forms) + n_table
            for i in range(len(d.letter_forms)):
                content = b"q /L%d Do Q q /Ft Do Q %s" % (i, self._page_label(i + 1, y))
                c = d.w.reserve()
                d.w.stream(c, b"", content)
                d.add_page(b"%d 0 R" % c)
        total = self.total
        rows = []
        n = 0
        page_no = 0
        for s in _source_iter(signers):
            n += 1
            if n > total:
                raise SignerCountMismatch(f"signer source yielded more than total={total} signers")
            name, city, country = self._clean_signer(s)
            rows.append((s.number, name, city, country, s.signed_on))
            if len(rows) == L.ROWS_PER_PAGE:
                self._emit_table_page(docs, rows, page_no, n - len(rows) + 1, n_table)
                page_no += 1
                rows = []
                if progress:
                    progress(n, total)
        if rows or page_no == 0:
            self._emit_table_page(docs, rows, page_no, n - len(rows) + 1, n_table)
            page_no += 1
            if progress:
                progress(n, total)
        if page_no != n_table and n == total:
            raise RuntimeError(f"table page count {page_no} != expected {n_table}")
        return n

    def _date(self, d: datetime.date) -> tuple[str, float]:
        """(glyph hex, width) of a date in the annex table, cached (few distinct dates)."""
        v = self._date_cache.get(d)
        if v is None:
            text = L.format_date(d, self.lang)
            v = (
                self.fonts.show("sans", text).decode("ascii"),
                self.fonts.m["sans"].width(text, L.TABLE_SIZE),
            )
            if len(self._date_cache) < CACHE_SIZE:
                self._date_cache[d] = v
        return v

    def _table_place(self, text: str) -> tuple[str, float]:
        """(glyph hex, width) of a (sanitised) city or country in the annex table."""
        v = self._place_cells.get(text)
        if v is None:
            ms = self.fonts.m["sans"]
            self.fonts.used["sans"].update(text)
            v = (ms.encode(text), ms.width(text, L.TABLE_SIZE))
            if len(self._place_cells) < CACHE_SIZE:
                self._place_cells[text] = v
        return v

    def _table_frame(self, n_rows: int) -> list[bytes]:
        """Header band, zebra stripes, rules and column labels of a table page."""
        f = self.fonts
        mb = f.m["sans-bold"]
        x0, tw, pad, top = L.MARGIN_LEFT, L.TEXT_W, L.CELL_PAD, L.TABLE_TOP
        col_x = [x0]
        for frac in L.COL_FRACTIONS:
            col_x.append(col_x[-1] + frac * tw)
        frame: list[bytes] = []
        # Header
        hdr_top = top - L.TITLE_BLOCK_H
        hdr_bot = hdr_top - L.HEADER_H
        frame.append(
            b"0.9 0.92 0.95 rg %s %s %s %s re f"
            % (fmt(x0).encode(), fmt(hdr_bot).encode(), fmt(tw).encode(), fmt(L.HEADER_H).encode())
        )
        # Zebra stripes
        stripes = []
        for i in range(1, n_rows, 2):
            yb = hdr_bot - (i + 1) * L.ROW_H
            stripes.append(
                b"%s %s %s %s re"
                % (fmt(x0).encode(), fmt(yb).encode(), fmt(tw).encode(), fmt(L.ROW_H).encode())
            )
        if stripes:
            frame.append(b"0.965 g " + b" ".join(stripes) + b" f")
        table_bot = hdr_bot - n_rows * L.ROW_H
        frame.append(
            b"0.45 G 0.6 w %s %s m %s %s l S 0.3 w %s %s m %s %s l S"
            % (
                fmt(x0).encode(),
                fmt(hdr_bot).encode(),
                fmt(x0 + tw).encode(),
                fmt(hdr_bot).encode(),
                fmt(x0).encode(),
                fmt(table_bot).encode(),
                fmt(x0 + tw).encode(),
                fmt(table_bot).encode(),
            )
        )
        # Header labels
        hs = L.TABLE_HEADER_SIZE
        hy = hdr_bot + (L.HEADER_H - hs * 0.72) / 2
        hp = [b"BT 0.1 g /F4 %s Tf" % fmt(hs).encode()]
        for ci, label in enumerate(self.labels["cols"]):
            lw = mb.width(label, hs)
            lx = col_x[1] - pad - lw if ci == 0 else col_x[ci] + pad
            hp.append(
                b" 1 0 0 1 %s %s Tm <%s> Tj"
                % (fmt(lx).encode(), fmt(hy).encode(), f.show("sans-bold", label))
            )
        hp.append(b" ET")
        frame.append(b"".join(hp))
        return frame

    def _emit_table_page(self, docs, rows, page_idx: int, first_no: int, n_table: int) -> None:
        f = self.fonts
        ms = f.m["sans"]
        used_sans = f.used["sans"]
        enc = ms.encode
        width = ms.width
        size = L.TABLE_SIZE
        x0 = L.MARGIN_LEFT
        tw = L.TEXT_W
        col_x = [x0]
        for frac in L.COL_FRACTIONS:
            col_x.append(col_x[-1] + frac * tw)
        pad = L.CELL_PAD
        top = L.TABLE_TOP
        parts = []
        # Title line
        title = self.labels["annex_title"]
        last_no = first_no + len(rows) - 1
        rng = self.labels["annex_range"].format(
            a=L.format_count(first_no, self.lang),
            b=L.format_count(max(last_no, first_no), self.lang),
            n=L.format_count(self.total, self.lang),
        )
        ty = top - L.TABLE_TITLE_SIZE
        parts.append(
            b"BT 0.114 0.208 0.341 rg /F4 %s Tf 1 0 0 1 %s %s Tm <%s> Tj "
            b"0.33 g /F3 %s Tf 1 0 0 1 %s %s Tm <%s> Tj ET"
            % (
                fmt(L.TABLE_TITLE_SIZE).encode(),
                fmt(x0).encode(),
                fmt(ty).encode(),
                f.show("sans-bold", title),
                fmt(L.FOOTER_SIZE + 0.5).encode(),
                fmt(x0 + tw - width(rng, L.FOOTER_SIZE + 0.5)).encode(),
                fmt(ty).encode(),
                f.show("sans", rng),
            )
        )
        hdr_bot = top - L.TITLE_BLOCK_H - L.HEADER_H
        frame = self._table_frames.get(len(rows))
        if frame is None:  # the same for every full page: worked out once
            frame = self._table_frames[len(rows)] = self._table_frame(len(rows))
        parts.extend(frame)
        # Rows: the hot loop of annex mode (once per signer), so everything that does not
        # depend on the row is worked out beforehand and each cell is one f-string.
        rp = [f"BT {TEXT_GRAY.decode()} /F3 {fmt(size)} Tf"]
        avail = [col_x[i + 1] - col_x[i] - 2 * pad for i in range(5)]
        base_off = (L.ROW_H - size * 0.72) / 2
        num_right = col_x[1] - pad
        xs = [f"{col_x[c] + pad:.2f}" for c in range(1, 5)]
        name_x, city_x, country_x, date_x = xs
        avail_num, avail_name, avail_city, avail_country, avail_date = avail
        place = self._table_place
        append = rp.append
        numbers = []
        for i, (number, name, city, country, signed_on) in enumerate(rows):
            row_bottom = hdr_bot - (i + 1) * L.ROW_H
            yb = "%.2f" % (row_bottom + base_off)
            num_s = str(number)
            numbers.append(num_s)
            nw = width(num_s, size)
            if nw <= avail_num:
                append(f" 1 0 0 1 {num_right - nw:.2f} {yb} Tm <{enc(num_s)}> Tj")
            else:
                cx = num_right - avail_num
                append(_overflow_cell(ms, num_s, nw, avail_num, cx, float(yb), row_bottom, size))
            if name:
                used_sans.update(name)
                tw_ = width(name, size)
                if tw_ <= avail_name:
                    append(f" 1 0 0 1 {name_x} {yb} Tm <{enc(name)}> Tj")
                else:
                    append(
                        _overflow_cell(
                            ms, name, tw_, avail_name, col_x[1] + pad, float(yb), row_bottom, size
                        )
                    )
            for text, x, cx, av in (
                (city, city_x, 2, avail_city),
                (country, country_x, 3, avail_country),
            ):
                if not text:
                    continue
                glyphs, tw_ = place(text)  # cached: cities and countries repeat
                if tw_ <= av:
                    append(f" 1 0 0 1 {x} {yb} Tm <{glyphs}> Tj")
                else:
                    append(
                        _overflow_cell(
                            ms, text, tw_, av, col_x[cx] + pad, float(yb), row_bottom, size
                        )
                    )
            dhex, dw = self._date(signed_on)
            if dw <= avail_date:
                append(f" 1 0 0 1 {date_x} {yb} Tm <{dhex}> Tj")
            else:
                append(f" {avail_date / dw:.4f} 0 0 1 {date_x} {yb} Tm <{dhex}> Tj")
        used_sans.update("".join(numbers))
        append(" ET")
        parts.append("".join(rp).encode("ascii"))
        self._write_table_page(docs, zlib.compress(b"\n".join(parts), 6), page_idx, n_table)

    def _write_table_page(self, docs, rows_stream: bytes, page_idx: int, n_table: int) -> None:
        for d in docs:
            w = d.w
            c_rows = w.reserve(2)
            c_foot = c_rows + 1
            w.stream(c_rows, b"/Filter/FlateDecode", rows_stream)
            y = len(d.letter_forms) + n_table
            x = len(d.letter_forms) + page_idx + 1
            w.stream(c_foot, b"", b"q /Ft Do Q " + self._page_label(x, y))
            d.add_page(b"[%d 0 R %d 0 R]" % (c_rows, c_foot))

    # ---------------------------------------------------------------- finish
    def _finish(self, docs) -> None:
        embedded = {}
        for key, chars in self.fonts.used.items():
            if chars:
                ttf, tag, to_uni = subset_font(key, chars)
                embedded[key] = EmbeddedFont(self.fonts.m[key], ttf, tag, to_uni)
        for d, rcpt in zip(docs, self.recipients, strict=True):
            w = d.w
            font_entries = []
            for key, ef in embedded.items():
                num = w.reserve()
                ef.write(w, num)
                font_entries.append(b"/%s %d 0 R" % (FONT_RES[key], num))
            xobjs = [b"/Ft %d 0 R" % d.footer] + [
                b"/L%d %d 0 R" % (i, n) for i, n in enumerate(d.letter_forms)
            ]
            w.obj(
                d.resources,
                b"<</Font<<%s>>/XObject<<%s>>/ProcSet[/PDF/Text]>>"
                % (b"".join(font_entries), b"".join(xobjs)),
            )
            d.tree.finish()
            w.obj(
                d.catalog,
                b"<</Type/Catalog/Pages %d 0 R/Lang(%s)"
                b"/ViewerPreferences<</DisplayDocTitle true>>%s>>"
                % (d.pages_root, self.lang.encode(), d.catalog_signature_entries()),
            )
            # The batch's own creation time, not "now": a re-render gives the same bytes.
            created = self.ctx.created_at or datetime.datetime.now(datetime.UTC)
            now = created.astimezone(datetime.UTC).strftime("D:%Y%m%d%H%M%SZ").encode()
            title = f"{self.ctx.petition_title} – {rcpt.name}"
            w.obj(
                d.info,
                b"<</Title %s/Author %s/Subject %s/Producer(petition-service letters)"
                b"/CreationDate(%s)%s>>"
                % (
                    pdf_string(title),
                    pdf_string(self.ctx.organisation),
                    pdf_string(f"{self.ctx.batch_id} ({self.mode})"),
                    now,
                    _batch_facts(self.total),
                ),
            )
            # A stable document id (PDF trailer /ID), not a security feature.
            file_id = hashlib.md5(  # noqa: S324
                f"{self.ctx.batch_id}\0{rcpt.name}\0{self.mode}\0{self.total}".encode()
            ).digest()
            if d.signature is not None:
                d.write_signature()
            w.close(d.catalog, d.info, file_id)


def _batch_facts(total: int) -> bytes:
    """Info entries `batch verify` reads back (letters/verify.py): the number of signers the
    document was written for. The batch id is the /Subject's first word."""
    return b"/SignatureCount %d" % total


def render_batch_pdfs(
    ctx: LetterContext,
    recipients: Sequence[LetterRecipient],
    signers: SignerSource,
    total: int,
    mode: str,
    outs: Sequence[BinaryIO],
    *,
    progress: ProgressFn | None = None,
    signing: SigningConfig | None = None,
    tmp_dir: str | None = None,
) -> list[RenderResult]:
    """Render one PDF per recipient into ``outs`` (same order), streaming signers once.

    Nothing is written to ``outs`` unless the whole batch succeeded: each PDF
    is assembled (and signed) in a temporary file first, then copied.
    """
    from .render import render_letter  # the only module importing weasyprint

    if len(outs) != len(recipients):
        raise ValueError("need exactly one output per recipient")
    br = BatchRenderer(ctx, recipients, total, mode)
    prepared = None
    if signing is not None:
        from .signing import prepare_signature, sign_written_pdf

        prepared = prepare_signature(
            signing.key_pem_path,
            signing.cert_pem_path,
            reason=signing.reason,
            location=signing.location,
        )
    layouts = [render_letter(ctx, r, mode=mode, total=total) for r in recipients]
    with contextlib.ExitStack() as stack:
        tmps = [stack.enter_context(tempfile.TemporaryFile(dir=tmp_dir)) for _ in recipients]
        results = br.run(tmps, signers, progress, layouts, prepared, tmp_dir)
        for t in tmps:
            t.flush()
        if prepared is not None:
            for t, res, slot in zip(tmps, results, br.signature_slots, strict=True):
                assert slot is not None
                sign_written_pdf(t, slot, prepared)
                res.signed = True
        for t, out, res in zip(tmps, outs, results, strict=True):
            t.seek(0, 2)
            res.bytes_written = t.tell()
            t.seek(0)
            shutil.copyfileobj(t, out, 1 << 20)
        return results


def render_batch_pdf(
    ctx: LetterContext,
    recipient: LetterRecipient,
    signers: SignerSource,
    total: int,
    mode: str,
    out: BinaryIO,
    progress: ProgressFn | None = None,
    *,
    signing: SigningConfig | None = None,
    tmp_dir: str | None = None,
) -> RenderResult:
    """Single-recipient convenience wrapper around :func:`render_batch_pdfs`."""
    return render_batch_pdfs(
        ctx,
        [recipient],
        signers,
        total,
        mode,
        [out],
        progress=progress,
        signing=signing,
        tmp_dir=tmp_dir,
    )[0]
