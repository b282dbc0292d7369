"""PAdES signing and offline verification, and the instance's own key pair."""

import datetime
import io
import os
import re
import shutil
import subprocess
import tempfile
import tracemalloc
from typing import Any

import pikepdf
import pytest

from petition_service.letters.assemble import (
    BatchRenderer,
    SigningConfig,
    render_batch_pdf,
    render_batch_pdfs,
)
from petition_service.letters.context import Signer
from petition_service.letters.render import render_letter
from petition_service.letters.signing import (
    ensure_self_signed_pair,
    generate_self_signed_pair,
    prepare_signature,
    sign_written_pdf,
    verify_pdf,
)
from tests.letters.helpers import CTX, RECIPIENTS, signer


def _signed(keypair) -> tuple[bytes, bytes]:
    """(unsigned, signed) bytes of one small letters PDF."""
    unsigned, signed = io.BytesIO(), io.BytesIO()
    signers = [signer(1, "Trần Thị Nga")]
    render_batch_pdf(CTX, RECIPIENTS[0], signers, 1, "letters", unsigned)
    render_batch_pdf(
        CTX, RECIPIENTS[0], signers, 1, "letters", signed, signing=SigningConfig(*keypair)
    )
    return unsigned.getvalue(), signed.getvalue()


def test_sign_and_verify_bytes(keypair):
    _key, cert = keypair
    data, signed = _signed(keypair)
    assert not verify_pdf(data, cert).ok  # unsigned
    v = verify_pdf(signed, cert)
    assert v.ok and v.signer_common_name == "Petition Service Test Signer"
    bad = bytearray(signed)
    bad[len(signed) // 2] ^= 0x20
    v2 = verify_pdf(bytes(bad), cert)
    assert not v2.ok and not v2.intact


def test_other_certificate_is_not_trusted(keypair, tmp_path):
    _data, signed = _signed(keypair)
    other_key, other_cert = tmp_path / "k2.pem", tmp_path / "c2.pem"
    generate_self_signed_pair(other_key, other_cert, "Someone Else")
    v = verify_pdf(signed, other_cert)
    assert v.intact and not v.trusted and not v.ok


def test_key_file_permissions(keypair):
    import os
    import stat

    key, _ = keypair
    assert stat.S_IMODE(os.stat(key).st_mode) == 0o600


def test_instance_pair_is_made_once_even_by_racing_processes(tmp_path):
    import threading

    target = tmp_path / "signing"
    barrier = threading.Barrier(4)
    results = []

    def make():
        barrier.wait()
        key, cert = ensure_self_signed_pair(target, "petition-service demo")
        results.append((key.read_bytes(), cert.read_bytes()))

    threads = [threading.Thread(target=make) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(results) == 4 and len(set(results)) == 1  # everyone signs with one pair
    assert sorted(p.name for p in target.iterdir()) == ["cert.pem", "key.pem"]
    assert not [p for p in tmp_path.iterdir() if p.name != "signing"]  # no staging left
    assert oct(os.stat(target / "key.pem").st_mode & 0o777) == oct(0o600)


# ---------------------------------------------------------------------------------------
# Batch PDFs: the writer lays out the signature, which is filled in without parsing the file


@pytest.fixture(scope="module")
def signed_batches(tmp_path_factory, keypair) -> list:
    """Both modes, both recipients, signed with a reason and a non-ASCII location."""
    tmp = tmp_path_factory.mktemp("signed")
    config = SigningConfig(*keypair, reason="Petition delivery", location="Hà Nội")
    paths = []
    for mode, count in (("letters", 5), ("annex", 60)):
        signers = [signer(i, f"Người ký {i}") for i in range(1, count + 1)]
        outs = [tmp / f"{mode}-{i}.pdf" for i in range(len(RECIPIENTS))]
        with open(outs[0], "wb") as first, open(outs[1], "wb") as second:
            results = render_batch_pdfs(
                CTX, RECIPIENTS, signers, count, mode, [first, second], signing=config
            )
        assert all(r.signed for r in results)
        assert [r.bytes_written for r in results] == [p.stat().st_size for p in outs]
        paths += outs
    return paths


def _pyhanko_status(data: bytes, cert: str) -> tuple[Any, Any]:
    """(the embedded signature, its validation status), pyHanko reading strictly."""
    from pyhanko.keys import load_cert_from_pemder
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko_certvalidator import ValidationContext

    reader = PdfFileReader(io.BytesIO(data), strict=True)
    assert len(reader.embedded_signatures) == 1
    vc = ValidationContext(trust_roots=[load_cert_from_pemder(cert)], allow_fetching=False)
    embedded = reader.embedded_signatures[0]
    return embedded, validate_pdf_signature(embedded, vc)


def test_batch_signature_is_valid_trusted_and_covers_the_whole_file(signed_batches, keypair):
    from pyhanko.sign.validation.status import SignatureCoverageLevel

    _, cert = keypair
    for path in signed_batches:
        data = path.read_bytes()
        embedded, status = _pyhanko_status(data, cert)
        assert status.intact and status.valid and status.trusted, status.summary()
        assert status.coverage == SignatureCoverageLevel.ENTIRE_FILE
        assert status.md_algorithm == "sha256"
        # PAdES B-B: signing-certificate-v2 is signed, the signing time is not in the CMS.
        attrs = embedded.signer_info["signed_attrs"]
        names = {attr["type"].native for attr in attrs}
        assert "signing_certificate_v2" in names and "signing_time" not in names
        v = verify_pdf(data, cert)
        assert v.ok and v.signer_common_name == "Petition Service Test Signer", v
        # One revision, written once: no incremental update after the first %%EOF.
        assert data.count(b"%%EOF") == 1 and data.endswith(b"%%EOF\n")


def test_batch_signature_field_and_dictionary(signed_batches):
    for path in signed_batches:
        size = path.stat().st_size
        with pikepdf.open(path) as pdf:
            assert pdf.check_pdf_syntax() == []
            form = pdf.Root.AcroForm
            assert form.SigFlags == 3 and len(form.Fields) == 1
            field = form.Fields[0]
            assert field.FT == "/Sig" and str(field.T) == "PetitionBatchSignature"
            assert field.Subtype == "/Widget" and list(field.Rect) == [0, 0, 0, 0]
            assert field.F == 132  # printable and locked
            first = pdf.pages[0].obj
            assert field.P.objgen == first.objgen
            assert [a.objgen for a in first.Annots] == [field.objgen]
            assert all("/Annots" not in page.obj for page in pdf.pages[1:])
            sig = field.V
            assert sig.Type == "/Sig" and sig.Filter == "/Adobe.PPKLite"
            assert sig.SubFilter == "/ETSI.CAdES.detached"
            assert str(sig.Reason) == "Petition delivery" and str(sig.Location) == "Hà Nội"
            signed_at = datetime.datetime.strptime(str(sig.M), "D:%Y%m%d%H%M%SZ")
            age = datetime.datetime.now(datetime.UTC).replace(tzinfo=None) - signed_at
            assert datetime.timedelta(0) <= age < datetime.timedelta(minutes=10)
            a, b, c, d = (int(v) for v in sig.ByteRange)
            assert a == 0 and c + d == size
            assert c - b == 2 * len(bytes(sig.Contents)) + 2  # the hole is /Contents exactly
        data = path.read_bytes()
        assert data[b : b + 1] == b"<" and data[c - 1 : c] == b">"
        assert pdf_catalog_declares_pades(data)


def pdf_catalog_declares_pades(data: bytes) -> bool:
    return re.search(rb"/Extensions<</ESIC<<[^>]*/ExtensionLevel 1>>", data) is not None


@pytest.mark.parametrize(
    "where",
    ["header", "first page", "middle", "signature time", "inside the CMS", "xref", "trailer"],
)
def test_a_changed_byte_anywhere_breaks_the_batch_signature(signed_batches, keypair, where):
    _, cert = keypair
    data = signed_batches[0].read_bytes()
    contents = data.index(b"/Contents<") + len(b"/Contents<")
    pos = {
        "header": 5,
        "first page": data.index(b"/Annots"),
        "middle": len(data) // 2,
        "signature time": data.index(b"/M(D:") + 8,
        "inside the CMS": contents + 200,
        "xref": data.rindex(b"00000 n") - 3,
        "trailer": data.rindex(b"/Size") + 7,
    }[where]
    bad = bytearray(data)
    bad[pos] = ord("7") if bad[pos] != ord("7") else ord("3")
    v = verify_pdf(bytes(bad), cert)
    assert not v.ok, (where, v)
    if where != "inside the CMS":  # the CMS itself still parses; the document digest differs
        assert not v.intact


pdfsig = shutil.which("pdfsig")


@pytest.mark.skipif(pdfsig is None, reason="pdfsig (poppler-utils) is not installed")
def test_poppler_pdfsig_finds_the_batch_signature_valid(signed_batches, tmp_path):
    for path in signed_batches:
        out = subprocess.run([pdfsig, str(path)], check=True, capture_output=True, text=True).stdout
        assert out.count("Signature #") == 1, out
        assert "Signature Field Name: PetitionBatchSignature" in out
        assert "Signature Type: ETSI.CAdES.detached" in out
        assert "Total document signed" in out
        assert "Signature Validation: Signature is Valid." in out, out
    bad = bytearray(signed_batches[0].read_bytes())
    bad[len(bad) // 2] ^= 0x01
    tampered = tmp_path / "tampered.pdf"
    tampered.write_bytes(bytes(bad))
    out = subprocess.run([pdfsig, str(tampered)], capture_output=True, text=True).stdout
    assert "Signature Validation: Signature is Valid." not in out, out


def test_an_unreadable_key_fails_before_anything_is_written(tmp_path, keypair):
    _, cert = keypair
    missing = tmp_path / "no-such-key.pem"
    out = io.BytesIO()
    with pytest.raises(OSError):
        render_batch_pdf(
            CTX,
            RECIPIENTS[0],
            [signer(1, "A")],
            1,
            "letters",
            out,
            signing=SigningConfig(str(missing), cert),
        )
    assert out.getvalue() == b""


def _letters_inputs(pages: int, keypair: tuple[str, str]):
    """Signers, the laid-out letter and the prepared signature for one letters PDF."""
    day = datetime.date(2024, 3, 1)
    signers = (
        Signer(number=i, name=f"Signer Number {i}", city="Huế", country_code="VN", signed_on=day)
        for i in range(1, pages + 1)
    )
    layouts = [render_letter(CTX, RECIPIENTS[0], mode="letters", total=pages)]
    return signers, layouts, prepare_signature(*keypair)


def _write_and_sign_peak(pages: int, keypair: tuple[str, str]) -> int:
    """Peak traced memory of writing and signing one letters PDF of ``pages`` pages.

    The letter is laid out beforehand: WeasyPrint's own peak would hide what is measured.
    """
    signers, layouts, prepared = _letters_inputs(pages, keypair)
    with tempfile.TemporaryFile() as fp:
        tracemalloc.start()
        try:
            renderer = BatchRenderer(CTX, RECIPIENTS[:1], pages, "letters")
            renderer.run([fp], signers, None, layouts, prepared)
            sign_written_pdf(fp, renderer.signature_slots[0], prepared)
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
        fp.seek(0)
        assert verify_pdf(fp.read(), keypair[1]).ok
    return peak


def test_writing_and_signing_memory_does_not_grow_with_the_pages(keypair):
    # Signing by parsing (pyHanko's incremental writer) kept ~0.5 KB per page: +4.7 MB from
    # 2,000 to 12,000 pages. The peak is set by the signing and the fonts, the same for any
    # count; what grew page by page is checked more closely below.
    _write_and_sign_peak(200, keypair)  # warm caches (fonts, metrics) outside the measure
    small = _write_and_sign_peak(2_000, keypair)
    large = _write_and_sign_peak(12_000, keypair)
    assert large - small < 1_000_000, (small, large)


def _streaming_memory(pages: int, keypair: tuple[str, str]) -> int:
    """The most memory traced at a progress report while the pages of one PDF are written.

    Read at the reports, not as the peak: the peak comes later (fonts, signing) and hides
    what the page loop keeps. Everything kept per page is still held at the last report.
    """
    signers, layouts, prepared = _letters_inputs(pages, keypair)
    seen = [0]

    def progress(done: int, total: int) -> None:
        seen[0] = max(seen[0], tracemalloc.get_traced_memory()[0])

    with open(os.devnull, "wb") as fp:  # the PDF itself must not be in memory
        tracemalloc.start()
        try:
            BatchRenderer(CTX, RECIPIENTS[:1], pages, "letters").run(
                [fp], signers, progress, layouts, prepared
            )
        finally:
            tracemalloc.stop()
    return seen[0]


def test_memory_kept_while_writing_pages_does_not_grow(keypair):
    # The writer kept every object's offset (8 bytes, two objects per page) and every page's
    # number (8 bytes) until the end: +0.5 MB from 2,000 to 22,000 pages, more with the
    # arrays' over-allocation. Now the offsets go to a temporary file in chunks of 4,096
    # objects and the page tree is written as it fills: what is left in memory is a few
    # chunks (32 KB each) and one open node per level of the tree, whatever the count.
    _streaming_memory(200, keypair)  # warm caches (fonts, metrics) outside the measure
    small = _streaming_memory(2_000, keypair)
    large = _streaming_memory(22_000, keypair)
    assert large - small < 200_000, (small, large)
