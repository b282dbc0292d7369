"""Assembling a batch's PDFs: one per recipient, the signers streamed once.

1. WeasyPrint lays out each recipient's letter once (`render.render_letter`); the writer
   draws it as Form XObjects (`pieces.letter_page`).
2. The signers are iterated once. What a signer adds (letters mode: a page with the
   signature and page number; annex mode: a row of the table) is drawn once and written
   to every recipient's PDF: pages refer to the letter as ``/L0``, a different object in
   each file, and to fonts by the same names everywhere.
3. At the end each face used is subset to the glyphs drawn (`pdffonts.py`) and written
   into every file. Nothing kept per page grows with the signers: the writer spills its
   offset table to a temporary file and writes the page tree as it fills.
4. When signing, each file carries its own signature dictionary (placeholders), field and
   /AcroForm; once the file is complete its byte range is hashed from disk and pyHanko
   makes only the CMS, written into the placeholder (`signing.sign_written_pdf`). Then each
   file is copied to the caller's output stream.
"""

from __future__ import annotations

import contextlib
import datetime
import hashlib
import shutil
import tempfile
import zlib
from collections.abc import Iterator, Sequence
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
from .fonts import DEFAULT_REGION, Region, printable_coverage
from .pdfwriter import PageTree, PdfWriter, SignatureSlot, fmt, pdf_string
from .pieces import (
    Painter,
    Row,
    SignerWords,
    Table,
    clean,
    footer,
    letter_page,
    page_label,
    signature,
)
from .shaping import BoundedCache
from .signing import FIELD_NAME

if TYPE_CHECKING:
    from .context import Signer
    from .render import LetterLayout
    from .signing import PreparedSignature

MEDIABOX = b"[0 0 %s %s]" % (fmt(L.PAGE_W).encode(), fmt(L.PAGE_H).encode())
FLATE = b"/Filter/FlateDecode"


@dataclass(frozen=True)
class SigningConfig:
    key_pem_path: str
    cert_pem_path: str
    reason: str | None = None
    location: str | None = None


class _Doc:
    """One recipient's output PDF under construction."""

    def __init__(
        self,
        fp: BinaryIO,
        ctx: LetterContext,
        letter: LetterLayout,
        signature: PreparedSignature | None,
        tmp_dir: str | None,
    ) -> None:
        #: The letter as this recipient reads it (their language where the petition has it).
        self.ctx = ctx
        self.language = ctx.language
        self.letter = letter
        self.w = PdfWriter(fp, tmp_dir=tmp_dir)
        self.catalog, self.pages_root, self.resources, self.info, self.footer = range(
            self.w.reserve(5), self.w.size
        )
        self.signature = signature
        self.signature_slot: SignatureSlot | None = None
        self.sig_field = self.sig_dict = 0
        if signature is not None:
            # Reserved up front: the first page refers to the field before it is written.
            self.sig_field = self.w.reserve(2)
            self.sig_dict = self.sig_field + 1
        self.letter_forms: list[int] = []
        self.n_pages = 0

    def write_letter(self, painter: Painter) -> None:
        for page in self.letter.pages:
            num = self.w.reserve()
            self.w.stream(
                num,
                b"/Type/XObject/Subtype/Form/BBox%s/Resources %d 0 R/Filter/FlateDecode"
                % (MEDIABOX, self.resources),
                zlib.compress(letter_page(painter, page, self.language), 6),
            )
            self.letter_forms.append(num)

    def start_pages(self, n_pages: int) -> None:
        self.n_pages = n_pages
        self.tree = PageTree(self.w, self.pages_root, n_pages)

    def add_page(self, contents: bytes) -> None:
        w = self.w
        num = w.reserve()
        first = self.tree.added == 0
        parent = self.tree.add(num)
        # The signature's (invisible) widget sits on the first page, as viewers expect.
        annots = b"/Annots[%d 0 R]" % self.sig_field if first and self.signature else b""
        w.obj(
            num,
            b"<</Type/Page/Parent %d 0 R/MediaBox%s/Resources %d 0 R/Contents %s%s>>"
            % (parent, MEDIABOX, self.resources, contents, annots),
        )

    def add_content_page(self, *streams: tuple[bytes, bytes]) -> None:
        """A page of one or more content streams, each ``(dictionary entries, data)``."""
        nums = []
        for entries, data in streams:
            num = self.w.reserve()
            self.w.stream(num, entries, data)
            nums.append(num)
        self.add_page(
            b"%d 0 R" % nums[0]
            if len(nums) == 1
            else b"[" + b" ".join(b"%d 0 R" % n for n in nums) + b"]"
        )

    def write_signature(self) -> None:
        """The signature field (an invisible, locked, printable widget) and its value."""
        sig = self.signature
        assert sig is not None
        assert self.tree.first_page is not None, "the signature widget needs a first page"
        self.w.obj(
            self.sig_field,
            b"<</Type/Annot/Subtype/Widget/FT/Sig/T(%s)/V %d 0 R/P %d 0 R/Rect[0 0 0 0]/F 132>>"
            % (FIELD_NAME.encode(), self.sig_dict, self.tree.first_page),
        )
        self.signature_slot = self.w.signature_dict(
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
    """Writes one batch's PDFs: the loop over signers, for either mode."""

    def __init__(
        self, ctx: LetterContext, recipients: Sequence[LetterRecipient], total: int, mode: str
    ) -> None:
        if mode not in ("letters", "annex"):
            raise ValueError(f"mode must be 'letters' or 'annex', not {mode!r}")
        if total < 1:
            raise ValueError("a batch needs at least one signer")
        if not recipients:
            raise ValueError("a batch needs at least one recipient")
        self.ctx, self.recipients, self.total, self.mode = ctx, list(recipients), total, mode
        #: Per recipient, the letter in their language (where the petition has it).
        self.contexts = [ctx.for_language(r.language) for r in self.recipients]
        #: A signer's words in each language of the letters (in a fixed order).
        self.words = {
            language: SignerWords(language)
            for language in sorted({c.language for c in self.contexts})
        }
        self.painter = Painter(ctx.language)
        self.degraded_names: list[str] = []
        self._printable: set[str] = set()
        self._places: BoundedCache[str, str] = BoundedCache()
        #: Per output, where its signature's placeholders are (set by `run` when signing).
        self.signature_slots: list[SignatureSlot | None] = []

    def run(
        self,
        outs: Sequence[BinaryIO],
        signers: SignerSource,
        progress: ProgressFn | None,
        letters: Sequence[LetterLayout],
        signature: PreparedSignature | None = None,
        tmp_dir: str | None = None,
    ) -> list[RenderResult]:
        """Write every recipient's PDF; with ``signature``, each holds a signature to fill in.

        The PDFs are complete but for the signature's /ByteRange and /Contents, whose
        positions are left in `signature_slots` for `signing.sign_written_pdf`.
        ``tmp_dir``: where the writers spill their offset tables.
        """
        docs = [
            _Doc(fp, ctx, letter, signature, tmp_dir)
            for fp, ctx, letter in zip(outs, self.contexts, letters, strict=True)
        ]
        try:
            return self._write(docs, signers, progress)
        except BaseException:
            for d in docs:  # a failed batch leaves no spill file open
                d.w.discard()
            raise

    def _write(
        self, docs: list[_Doc], signers: SignerSource, progress: ProgressFn | None
    ) -> list[RenderResult]:
        # The footer (the receipt's QR code included) is one form XObject per file, which
        # every page draws: worked out once per language and page count.
        footers: dict[tuple[str, int], bytes] = {}
        for d in docs:
            d.write_letter(self.painter)
            pages = self.total if self.mode == "letters" else self._annex_pages(d)
            found = footers.get((d.language, pages))
            if found is None:
                found = footers[(d.language, pages)] = zlib.compress(
                    footer(self.painter, d.ctx, pages), 6
                )
            d.w.stream(
                d.footer,
                b"/Type/XObject/Subtype/Form/BBox%s/Resources %d 0 R/Filter/FlateDecode"
                % (MEDIABOX, d.resources),
                found,
            )
        if self.mode == "letters":
            count = self._letters(docs, signers, progress)
        else:
            count = self._annex(docs, signers, progress)
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
                degraded_fields=list(d.letter.degraded_fields),
                bytes_written=d.w.pos,
            )
            for d in docs
        ]

    def _signers(self, signers: SignerSource) -> Iterator[Signer]:
        source = iter(signers()) if callable(signers) else iter(signers)
        for n, signer in enumerate(source, start=1):
            if n > self.total:
                raise SignerCountMismatch(
                    f"signer source yielded more than total={self.total} signers"
                )
            yield signer

    def _check_printable(self, signer: Signer, *texts: str) -> None:
        """Record the signer (`degraded_names`) when a character of ``texts`` (what is
        printed of them) is one no font of the set has."""
        known = self._printable
        if all(map(known.issuperset, texts)):
            return
        chars = set().union(*texts)  # worked out once per character
        coverage = printable_coverage()
        missing = {c for c in chars if ord(c) not in coverage and not c.isspace()}
        known.update(chars - missing)
        if missing:
            self.degraded_names.append(signer.name)

    def _city(self, text: str) -> str:
        """`clean`, remembered: cities repeat across signers."""
        found = self._places.get(text)
        if found is None:
            found = clean(text)
            self._places.put(text, found)
        return found

    def _annex_pages(self, d: _Doc) -> int:
        return len(d.letter.pages) + L.table_pages(self.total)

    def _letters(self, docs: list[_Doc], signers: SignerSource, progress: ProgressFn | None) -> int:
        total, painter, words = self.total, self.painter, self.words
        for d in docs:
            d.start_pages(total)
        # What a signer adds is drawn once for every letter that prints it alike: the
        # signature once per signature box (its place and direction) and wording (each
        # language words the country and a withheld name), the page number once per
        # language.
        boxes = {d: (d.letter.signature_slot, d.letter.rtl) for d in docs}
        head = b"q /L0 Do Q q /Ft Do Q "
        step = max(1, min(1000, total // 100))
        n = 0
        for n, signer in enumerate(self._signers(signers), start=1):
            name, city = clean(signer.name), self._city(signer.city)
            printed = {
                language: (w.withheld if signer.withheld else name, w.country(signer.country_code))
                for language, w in words.items()
            }
            self._check_printable(signer, name, city, *(c for _, c in printed.values()))
            labels = {language: page_label(painter, language, n, total) for language in words}
            signed: dict[tuple[object, ...], bytes] = {}
            for d in docs:
                shown, country = printed[d.language]
                key = (*boxes[d], shown, country)
                drawn = signed.get(key)
                if drawn is None:
                    region = _region(painter, shown, city + country, signer.country_code)
                    box = signature(painter, shown, city, country, *boxes[d], region)
                    drawn = signed[key] = head + box + b" "
                d.add_content_page((b"", drawn + labels[d.language]))
            if progress and n % step == 0:
                progress(n, total)
        if progress and n % step:
            progress(n, total)
        return n

    def _annex(self, docs: list[_Doc], signers: SignerSource, progress: ProgressFn | None) -> int:
        total, painter = self.total, self.painter
        n_table = L.table_pages(total)
        for d in docs:
            n_letter = len(d.letter.pages)
            d.start_pages(n_letter + n_table)
            for i in range(n_letter):
                label = page_label(painter, d.language, i + 1, n_letter + n_table)
                d.add_content_page((b"", b"q /L%d Do Q q /Ft Do Q %s" % (i, label)))
        tables = {language: Table(painter, words, total) for language, words in self.words.items()}
        rows: list[Row] = []
        page_no = n = 0
        # The hot loop of annex mode, once per signer: kept to plain tuples and dict hits.
        places, known = self._places, self._printable
        for n, signer in enumerate(self._signers(signers), start=1):
            name = clean(signer.name)
            city = places.get(signer.city) or self._city(signer.city)
            if not (known.issuperset(name) and known.issuperset(city)):
                self._check_printable(signer, name, city)
            region = _region(painter, name, city, signer.country_code)
            code, withheld = signer.country_code, signer.withheld
            rows.append((signer.number, name, city, code, signer.signed_on, region, withheld))
            if len(rows) == L.ROWS_PER_PAGE:
                page_no += 1
                self._table_page(docs, tables, rows, n - len(rows) + 1, page_no, n_table)
                rows.clear()
                if progress:
                    progress(n, total)
        if rows or page_no == 0:
            page_no += 1
            self._table_page(docs, tables, rows, n - len(rows) + 1, page_no, n_table)
            if progress:
                progress(n, total)
        if page_no != n_table and n == total:
            raise RuntimeError(f"table page count {page_no} != expected {n_table}")
        return n

    def _table_page(
        self,
        docs: list[_Doc],
        tables: dict[str, Table],
        rows: list[Row],
        first: int,
        page_no: int,
        n_table: int,
    ) -> None:
        """Table page ``page_no``, written to every recipient's PDF. It is drawn once when
        they read one language; when they read several, each language draws what it words
        (title, headings, withheld names, countries, dates), and the numbers, names and
        cities are drawn once per direction and shared by the languages written in it."""
        contents: dict[str, list[tuple[bytes, bytes]]] = {}
        if len(tables) == 1:
            [(language, table)] = tables.items()
            contents[language] = [(FLATE, zlib.compress(table.page(rows, first), 6))]
        else:
            shared: dict[bool, bytes] = {}
            for language, table in tables.items():
                if table.rtl not in shared:
                    shared[table.rtl] = zlib.compress(table.shared(rows), 6)
                contents[language] = [
                    (FLATE, zlib.compress(table.own(rows, first), 6)),
                    (FLATE, shared[table.rtl]),
                ]
        numbers: dict[tuple[str, int], bytes] = {}
        for d in docs:
            n_letter = len(d.letter.pages)
            number = numbers.get((d.language, n_letter))
            if number is None:
                number = numbers[d.language, n_letter] = page_label(
                    self.painter, d.language, n_letter + page_no, n_letter + n_table
                )
            d.add_content_page(*contents[d.language], (b"", b"q /Ft Do Q " + number))

    def _finish(self, docs: list[_Doc]) -> None:
        fonts = self.painter.fonts.fonts()
        for font in fonts:
            font.prepare()  # once, for every file
        created = self.ctx.created_at or datetime.datetime.now(datetime.UTC)
        # The batch's own creation time, not "now": a re-render gives the same bytes.
        created_at = created.astimezone(datetime.UTC).strftime("D:%Y%m%d%H%M%SZ").encode()
        for d, recipient in zip(docs, self.recipients, strict=True):
            w, ctx = d.w, d.ctx
            entries = []
            for font in fonts:
                num = w.reserve()
                font.write(w, num)
                entries.append(b"/%s %d 0 R" % (font.resource.encode(), num))
            xobjects = [b"/Ft %d 0 R" % d.footer] + [
                b"/L%d %d 0 R" % (i, num) for i, num in enumerate(d.letter_forms)
            ]
            w.obj(
                d.resources,
                b"<</Font<<%s>>/XObject<<%s>>/ProcSet[/PDF/Text]>>"
                % (b"".join(entries), b"".join(xobjects)),
            )
            d.tree.finish()
            w.obj(
                d.catalog,
                b"<</Type/Catalog/Pages %d 0 R/Lang%s"
                b"/ViewerPreferences<</DisplayDocTitle true%s>>%s>>"
                % (
                    d.pages_root,
                    pdf_string(ctx.language),
                    b"/Direction/R2L" if d.letter.rtl else b"",
                    d.catalog_signature_entries(),
                ),
            )
            title = f"{ctx.petition_title} – {recipient.name}"
            author = L.join_names(ctx.sponsor_names, L.labels_language(ctx.language))
            w.obj(
                d.info,
                b"<</Title %s/Author %s/Subject %s/Producer(petition-service letters)"
                b"/CreationDate(%s)%s>>"
                % (
                    pdf_string(title),
                    pdf_string(author),
                    pdf_string(f"{self.ctx.batch_id} ({self.mode})"),
                    created_at,
                    _batch_facts(self.total),
                ),
            )
            # A stable document id (PDF trailer /ID), not a security feature.
            file_id = hashlib.md5(  # noqa: S324
                f"{self.ctx.batch_id}\0{recipient.name}\0{self.mode}\0{self.total}".encode()
            ).digest()
            if d.signature is not None:
                d.write_signature()
            w.close(d.catalog, d.info, file_id)


def _region(painter: Painter, name: str, place: str, country: str) -> Region:
    """The CJK face for a signer's text: it only matters where there is Han, kana or Hangul
    (all above U+2E80), which most names do not have."""
    if (name and max(name) >= "\u2e80") or (place and max(place) >= "\u2e80"):
        return painter.region(name + place, country)
    return DEFAULT_REGION


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
    from .render import render_letter  # the only module importing WeasyPrint

    if len(outs) != len(recipients):
        raise ValueError("need exactly one output per recipient")
    renderer = BatchRenderer(ctx, recipients, total, mode)
    prepared = None
    if signing is not None:
        from .signing import prepare_signature, sign_written_pdf

        prepared = prepare_signature(
            signing.key_pem_path,
            signing.cert_pem_path,
            reason=signing.reason,
            location=signing.location,
        )
    letters = [
        render_letter(context, r, mode=mode, total=total)
        for context, r in zip(renderer.contexts, recipients, strict=True)
    ]
    with contextlib.ExitStack() as stack:
        tmps = [stack.enter_context(tempfile.TemporaryFile(dir=tmp_dir)) for _ in recipients]
        results = renderer.run(tmps, signers, progress, letters, prepared, tmp_dir)
        for t in tmps:
            t.flush()
        if prepared is not None:
            for t, res, slot in zip(tmps, results, renderer.signature_slots, strict=True):
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
    """Single-recipient convenience wrapper around `render_batch_pdfs`."""
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
