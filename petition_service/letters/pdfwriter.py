"""A small streaming PDF writer.

Objects are written to the output as soon as they are produced.  Their byte
offsets, needed for the xref table at the end, are kept in chunks of
:data:`XREF_CHUNK` objects; each chunk goes to a temporary file, already as
xref lines, once all of its objects are written (:class:`_XrefTable`), so
memory does not grow with the number of objects either.  Object numbers are
reserved up front where a forward reference is needed (e.g. a page's /Parent).

Also here:
* :meth:`PdfWriter.signature_dict` - a signature dictionary whose /ByteRange and
  /Contents are fixed-width placeholders, filled in place once the file is complete
  (:func:`patch_byte_range`, :func:`patch_contents`), so signing never parses the file.
* :class:`PageTree` - a balanced page tree written as it fills.
"""

from __future__ import annotations

import tempfile
from array import array
from collections.abc import Iterator
from dataclasses import dataclass
from typing import BinaryIO


def pdf_string(text: str) -> bytes:
    """A PDF text string (UTF-16BE with BOM, hex) for metadata such as /Title."""
    return b"<FEFF" + text.encode("utf-16-be").hex().upper().encode() + b">"


def fmt(v: float) -> str:
    s = f"{v:.3f}"
    s = s.rstrip("0").rstrip(".")
    return s if s not in ("", "-0") else "0"


#: Width of the /ByteRange array as written: "[0 a b c]" padded with spaces. Three offsets
#: of up to 15 digits fit, far beyond any file this service writes.
BYTE_RANGE_WIDTH = 52


@dataclass(frozen=True)
class SignatureSlot:
    """Where a signature dictionary's placeholders are in the written file."""

    byte_range_at: int  # offset of the "[" of /ByteRange
    contents_at: int  # offset of the "<" of the /Contents hex string
    contents_len: int  # length of that string, "<" and ">" included


#: Objects per chunk of the offset table: 32 KB in memory as offsets, 80 KB on disk as
#: xref lines. A chunk stays in memory only while one of its objects is reserved but not
#: yet written, which for this writer's callers is a few chunks at a time (the current
#: one and those holding the catalog, the open page-tree nodes and the like).
XREF_CHUNK = 4096
XREF_LINE = 20  # "nnnnnnnnnn ggggg n \n", fixed by the PDF format
_FREE_ENTRY = b"0000000000 65535 f \n"


class _XrefTable:
    """Byte offset of every object, spilled to a temporary file in finished chunks.

    An ``array("q")`` of all offsets grew by 8 bytes per object, 24 bytes per letters page
    with the page list; this keeps memory bounded by the chunks that still have an object
    to write. Each finished chunk is formatted into xref lines at once and written at its
    place in the spill file (chunk ``i`` at ``i * XREF_CHUNK * XREF_LINE``), so at the end
    the spill file is the body of the xref section, in object order, to be copied out.
    The file is only created once a chunk is finished: small PDFs never touch the disk.
    """

    def __init__(self, tmp_dir: str | None = None) -> None:
        self.size = 1  # object 0 is the free list's head, never written
        self._tmp_dir = tmp_dir
        self._spill: BinaryIO | None = None
        self._chunks: dict[int, array] = {}  # chunk index -> offsets, -1 where unwritten
        self._filled: dict[int, int] = {}  # chunk index -> offsets set in it
        self.set(0, 0)

    def reserve(self, count: int) -> int:
        first = self.size
        self.size += count
        return first

    def set(self, num: int, offset: int) -> None:
        if not 0 <= num < self.size:
            raise ValueError(f"PDF object {num} was never reserved")
        ci, i = divmod(num, XREF_CHUNK)
        chunk = self._chunks.get(ci)
        if chunk is None:
            chunk = self._chunks[ci] = array("q", [-1]) * XREF_CHUNK
            self._filled[ci] = 0
        elif chunk[i] >= 0:
            raise RuntimeError(f"PDF object {num} written twice")
        chunk[i] = offset
        filled = self._filled[ci] + 1
        if filled < XREF_CHUNK:
            self._filled[ci] = filled
            return
        del self._chunks[ci], self._filled[ci]
        self._write_chunk(ci, self._lines(ci, chunk))

    @staticmethod
    def _lines(ci: int, offsets: array) -> bytes:
        lines = b"".join(b"%010d 00000 n \n" % off for off in offsets)
        return _FREE_ENTRY + lines[XREF_LINE:] if ci == 0 else lines

    def _write_chunk(self, ci: int, lines: bytes) -> None:
        if self._spill is None:
            self._spill = tempfile.TemporaryFile(dir=self._tmp_dir)  # noqa: SIM115 (closed by close())
        self._spill.seek(ci * XREF_CHUNK * XREF_LINE)
        self._spill.write(lines)

    def missing(self) -> list[int]:
        """Objects reserved but never written (the first few of them)."""
        found: list[int] = []
        for ci in range(-(-self.size // XREF_CHUNK)):
            chunk = self._chunks.get(ci)
            if chunk is not None:
                end = min(XREF_CHUNK, self.size - ci * XREF_CHUNK)
                found += [ci * XREF_CHUNK + i for i in range(end) if chunk[i] < 0]
            elif not self._on_disk(ci):  # not one of its objects was written
                found.append(ci * XREF_CHUNK)
            if len(found) >= 10:
                break
        return found[:10]

    def _on_disk(self, ci: int) -> bool:
        if self._spill is None:
            return False
        self._spill.seek(ci * XREF_CHUNK * XREF_LINE)
        return self._spill.read(1) not in (b"", b"\0")

    def lines(self) -> Iterator[bytes]:
        """The xref lines of objects 0 to ``size - 1``, in order, a chunk at a time."""
        for ci in range(-(-self.size // XREF_CHUNK)):
            count = min(XREF_CHUNK, self.size - ci * XREF_CHUNK)
            chunk = self._chunks.get(ci)
            if chunk is not None:
                yield self._lines(ci, chunk[:count])
                continue
            assert self._spill is not None
            self._spill.seek(ci * XREF_CHUNK * XREF_LINE)
            data = self._spill.read(count * XREF_LINE)
            if len(data) != count * XREF_LINE:
                raise RuntimeError(f"xref chunk {ci} is short in the spill file")
            yield data

    def close(self) -> None:
        if self._spill is not None:
            self._spill.close()
            self._spill = None


class PdfWriter:
    def __init__(self, fp, version: bytes = b"1.7", *, tmp_dir: str | None = None):
        """``tmp_dir``: where the offset table may spill (see :class:`_XrefTable`)."""
        self._fp = fp
        self._write = fp.write
        self.pos = 0
        self._xref = _XrefTable(tmp_dir)
        self._emit(b"%PDF-" + version + b"\n%\xe2\xe3\xcf\xd3\n")

    def _emit(self, data: bytes) -> None:
        self._write(data)
        self.pos += len(data)

    @property
    def size(self) -> int:
        """Object numbers used so far, object 0 included (the xref's /Size)."""
        return self._xref.size

    def reserve(self, count: int = 1) -> int:
        return self._xref.reserve(count)

    def obj(self, num: int, body: bytes) -> None:
        self._xref.set(num, self.pos)
        self._emit(b"%d 0 obj\n%s\nendobj\n" % (num, body))

    def stream(self, num: int, dict_items: bytes, data: bytes) -> None:
        """``dict_items``: dictionary entries without << >> and /Length."""
        self._xref.set(num, self.pos)
        self._emit(
            b"%d 0 obj\n<<%s/Length %d>>\nstream\n%s\nendstream\nendobj\n"
            % (num, dict_items, len(data), data)
        )

    def signature_dict(
        self,
        num: int,
        signed_at: bytes,
        reason: str | None,
        location: str | None,
        hex_digits: int,
    ) -> SignatureSlot:
        """A PAdES signature dictionary with a zero-filled /Contents of ``hex_digits``.

        ``signed_at`` is a PDF date (``D:...``). /Contents comes last so that everything
        after the hole (the rest of this object, the xref, the trailer) is a single range.
        """
        head = b"%d 0 obj\n<</Type/Sig/Filter/Adobe.PPKLite/SubFilter/ETSI.CAdES.detached/M(%s)" % (
            num,
            signed_at,
        )
        if reason:
            head += b"/Reason" + pdf_string(reason)
        if location:
            head += b"/Location" + pdf_string(location)
        head += b"/ByteRange"
        # A valid (empty) range until patched, so the file parses even if signing stops.
        placeholder = b"[0 0 0 0]".ljust(BYTE_RANGE_WIDTH)
        self._xref.set(num, self.pos)
        byte_range_at = self.pos + len(head)
        contents_at = byte_range_at + len(placeholder) + len(b"/Contents")
        self._emit(head + placeholder + b"/Contents<")
        self._emit(b"0" * hex_digits)
        self._emit(b">>>\nendobj\n")
        return SignatureSlot(byte_range_at, contents_at, hex_digits + 2)

    def close(self, root: int, info: int, file_id: bytes) -> int:
        try:
            missing = self._xref.missing()
            if missing:
                raise RuntimeError(f"PDF objects reserved but never written: {missing}")
            xref_pos = self.pos
            n = self._xref.size
            self._emit(b"xref\n0 %d\n" % n)
            for lines in self._xref.lines():  # a chunk at a time, from the spill file
                self._emit(lines)
        finally:
            self._xref.close()
        hexid = file_id.hex().upper().encode()
        self._emit(
            b"trailer\n<</Size %d/Root %d 0 R/Info %d 0 R/ID[<%s><%s>]>>\nstartxref\n%d\n%%%%EOF\n"
            % (n, root, info, hexid, hexid, xref_pos)
        )
        return self.pos

    def discard(self) -> None:
        """Drop the spill file of a PDF that will not be finished."""
        self._xref.close()


def patch_byte_range(fp: BinaryIO, slot: SignatureSlot, file_len: int) -> tuple[int, ...]:
    """Write the final /ByteRange (all of the file but the /Contents string) into ``fp``."""
    after = slot.contents_at + slot.contents_len
    ranges = (0, slot.contents_at, after, file_len - after)
    if ranges[3] < 0:
        raise ValueError("the file ends inside its signature")
    text = b"[%d %d %d %d]" % ranges
    if len(text) > BYTE_RANGE_WIDTH:
        raise ValueError(f"/ByteRange {text!r} does not fit its placeholder")
    fp.seek(slot.byte_range_at)
    fp.write(text.ljust(BYTE_RANGE_WIDTH))
    return ranges


def patch_contents(fp: BinaryIO, slot: SignatureSlot, der: bytes) -> None:
    """Write the DER signature as hex into the /Contents placeholder (zeros pad the rest)."""
    hexed = der.hex().upper().encode()
    if len(hexed) > slot.contents_len - 2:
        raise ValueError(
            f"signature of {len(der)} bytes does not fit the {slot.contents_len - 2} hex "
            "digits reserved for it"
        )
    fp.seek(slot.contents_at + 1)
    fp.write(hexed)


#: Kids per page-tree node: a balanced tree of this fanout, three levels deep for up to a
#: million pages, so a viewer finds any page in a few reads.
KIDS_PER_NODE = 100


class PageTree:
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
