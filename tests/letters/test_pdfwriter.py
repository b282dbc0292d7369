"""The streaming writer's offset table (spilled to a file) and the page tree built as it goes."""

from __future__ import annotations

import io
import os
import re
import tracemalloc
from typing import BinaryIO

import pikepdf
import pytest

from petition_service.letters.pdfwriter import KIDS_PER_NODE, XREF_CHUNK, PageTree, PdfWriter

FILE_ID = b"\x01" * 16


def _xref_offsets(data: bytes) -> list[int]:
    """The offsets of the in-use entries of the (single) xref section, by object number."""
    start = int(re.search(rb"startxref\n(\d+)\n%%EOF\n$", data).group(1))
    head = re.match(rb"xref\n0 (\d+)\n", data[start:])
    assert head is not None
    size = int(head.group(1))
    body = data[start + head.end() : start + head.end() + 20 * size]
    lines = [body[i : i + 20] for i in range(0, len(body), 20)]
    assert lines[0] == b"0000000000 65535 f \n"
    assert all(re.fullmatch(rb"\d{10} 00000 n \n", line) for line in lines[1:])
    return [int(line[:10]) for line in lines[1:]]


def _scattered_pdf(n_objects: int, tmp_dir: str | None = None) -> bytes:
    out = io.BytesIO()
    _write_scattered(out, n_objects, tmp_dir)
    return out.getvalue()


def _write_scattered(out: BinaryIO, n_objects: int, tmp_dir: str | None) -> None:
    """A valid PDF of ``n_objects`` dictionaries, some written long after they were reserved.

    Objects 1 to 4 stay open to the end, and one object in 5,000 for the next 12,000, across
    chunks of the offset table, the way the catalog and the page-tree nodes do in a batch.
    """
    w = PdfWriter(out, tmp_dir=tmp_dir)
    catalog, pages, info, late = range(w.reserve(4), w.size)
    held: list[tuple[int, int]] = []  # (object, when to write it)
    for i in range(n_objects):
        num = w.reserve()
        if i % 5_000 == 0:
            held.append((num, i + 12_000))
        else:
            w.obj(num, b"<</N %d>>" % num)
        while held and held[0][1] == i:
            w.obj(held[0][0], b"<</N %d>>" % held[0][0])
            del held[0]
    for num, _ in held:
        w.obj(num, b"<</N %d>>" % num)
    w.obj(late, b"<</N %d>>" % late)
    page = w.reserve()
    w.obj(page, b"<</Type/Page/Parent %d 0 R/MediaBox[0 0 10 10]/Resources<<>>>>" % pages)
    w.obj(pages, b"<</Type/Pages/Kids[%d 0 R]/Count 1>>" % page)
    w.obj(catalog, b"<</Type/Catalog/Pages %d 0 R>>" % pages)
    w.obj(info, b"<<>>")
    w.close(catalog, info, FILE_ID)


@pytest.mark.parametrize("n_objects", [10, XREF_CHUNK - 9, 3 * XREF_CHUNK + 17])
def test_xref_points_at_every_object(n_objects, tmp_path):
    data = _scattered_pdf(n_objects, str(tmp_path))
    offsets = _xref_offsets(data)
    assert len(offsets) == n_objects + 5
    for num, off in enumerate(offsets, start=1):
        assert data[off : off + 20].startswith(b"%d 0 obj\n" % num), num
    with pikepdf.open(io.BytesIO(data)) as pdf:
        assert pdf.get_warnings() == []  # the xref was used as written, not reconstructed
        assert int(pdf.get_object(n_objects + 4, 0).N) == n_objects + 4
    assert list(tmp_path.iterdir()) == []  # the spill file is gone (and was anonymous)


def test_small_pdf_does_not_spill(tmp_path):
    out = io.BytesIO()
    w = PdfWriter(out, tmp_dir=str(tmp_path))
    a = w.reserve()
    w.obj(a, b"<<>>")
    assert w._xref._spill is None
    w.close(a, a, FILE_ID)


def test_reserved_but_never_written(tmp_path):
    out = io.BytesIO()
    w = PdfWriter(out, tmp_dir=str(tmp_path))
    first = w.reserve(3 * XREF_CHUNK)
    for num in range(first, first + 3 * XREF_CHUNK):
        # Object 5 is left out, and so is every object of the second chunk.
        if num != 5 and not XREF_CHUNK <= num < 2 * XREF_CHUNK:
            w.obj(num, b"null")
    with pytest.raises(RuntimeError, match=rf"never written: \[5, {XREF_CHUNK}\]"):
        w.close(1, 1, FILE_ID)


def test_an_object_written_twice_or_never_reserved(tmp_path):
    w = PdfWriter(io.BytesIO(), tmp_dir=str(tmp_path))
    num = w.reserve()
    w.obj(num, b"null")
    with pytest.raises(RuntimeError, match="written twice"):
        w.obj(num, b"null")
    with pytest.raises(ValueError, match="never reserved"):
        w.obj(num + 1, b"null")
    w.discard()


def test_xref_memory_does_not_grow_with_the_objects(tmp_path):
    # The offset table was an array("q") of every object: +1.5 MB from 10,000 to 200,000
    # objects (8 bytes each, plus over-allocation). Now only chunks with an object still
    # to write are in memory: here the first one (objects 1 to 4 are written last), those
    # of the (at most three) objects held open and the current one, whatever the count.
    def peak(n_objects: int) -> int:
        with open(os.devnull, "wb") as out:  # the output itself must not be in memory
            tracemalloc.start()
            try:
                _write_scattered(out, n_objects, str(tmp_path))
                return tracemalloc.get_traced_memory()[1]
            finally:
                tracemalloc.stop()

    peak(1_000)  # warm up (imports, formatting caches) outside the measure
    small, large = peak(10_000), peak(200_000)
    assert large - small < 150_000, (small, large)


def _tree_pdf(n_pages: int) -> bytes:
    out = io.BytesIO()
    w = PdfWriter(out)
    catalog, root, info = range(w.reserve(3), w.size)
    tree = PageTree(w, root, n_pages)
    for i in range(n_pages):
        page = w.reserve()
        parent = tree.add(page)
        w.obj(
            page,
            b"<</Type/Page/Parent %d 0 R/MediaBox[0 0 %d 10]/Resources<<>>>>" % (parent, i + 1),
        )
    tree.finish()
    w.obj(catalog, b"<</Type/Catalog/Pages %d 0 R>>" % root)
    w.obj(info, b"<<>>")
    w.close(catalog, info, FILE_ID)
    return out.getvalue()


def _check_node(node: pikepdf.Dictionary, depth: int, depths: set[int]) -> int:
    """The pages under ``node``, checking /Count, /Parent and the fanout on the way."""
    if node.Type == "/Page":
        depths.add(depth)
        return 1
    assert 1 <= len(node.Kids) <= KIDS_PER_NODE
    count = 0
    for kid in node.Kids:
        assert kid.Parent.objgen == node.objgen
        count += _check_node(kid, depth + 1, depths)
    assert int(node.Count) == count
    return count


@pytest.mark.parametrize(
    "n_pages", [1, KIDS_PER_NODE, KIDS_PER_NODE + 1, KIDS_PER_NODE**2, KIDS_PER_NODE**2 + 1]
)
def test_page_tree_is_balanced_and_in_order(n_pages):
    with pikepdf.open(io.BytesIO(_tree_pdf(n_pages))) as pdf:
        assert pdf.get_warnings() == []
        # In order: page i is the (i + 1)-th written (its width says which).
        assert [int(p.MediaBox[2]) for p in pdf.pages] == list(range(1, n_pages + 1))
        depths: set[int] = set()
        assert _check_node(pdf.Root.Pages, 0, depths) == n_pages
        height = 1
        while KIDS_PER_NODE**height < n_pages:
            height += 1
        assert depths == {height}  # every page at the same depth, as low as the fanout allows


def test_page_tree_checks_the_count():
    w = PdfWriter(io.BytesIO())
    tree = PageTree(w, w.reserve(), 2)
    tree.add(w.reserve())
    with pytest.raises(RuntimeError, match="wrote 1 pages, expected 2"):
        tree.finish()
    tree.add(w.reserve())
    with pytest.raises(RuntimeError, match="more than the 2 pages"):
        tree.add(w.reserve())
