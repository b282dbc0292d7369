"""The streaming assembler: text, page counts, fonts and signatures of real PDFs."""

import io
import math
import re
import subprocess
import unicodedata

import pikepdf
import pypdf
import pytest

from petition_service.letters import layout
from petition_service.letters.assemble import SigningConfig, render_batch_pdf, render_batch_pdfs
from petition_service.letters.context import LetterTooLongError, SignerCountMismatch
from petition_service.letters.signing import verify_pdf
from tests.letters.helpers import CTX, RECIPIENTS, SPECIAL_NAMES, pdftotext_pages, signer


def _signers(n=None):
    names = SPECIAL_NAMES + [
        f"Signer Number {i}" for i in range(len(SPECIAL_NAMES) + 1, (n or 0) + 1)
    ]
    return [
        signer(i, name, *(("Kraków", "Polska") if i % 2 else ("Huế", "Việt Nam")))
        for i, name in enumerate(names, start=1)
    ]


def _render(tmp_path, mode, signers, ctx=CTX, recipients=RECIPIENTS, signing=None):
    paths = [tmp_path / f"{mode}-{i}.pdf" for i in range(len(recipients))]
    outs = [open(p, "wb") for p in paths]  # noqa: SIM115  (closed in the finally below)
    try:
        results = render_batch_pdfs(
            ctx, recipients, lambda: iter(signers), len(signers), mode, outs, signing=signing
        )
    finally:
        for o in outs:
            o.close()
    return paths, results


def _pypdf_pages(path):
    return [p.extract_text() for p in pypdf.PdfReader(str(path)).pages]


@pytest.fixture(scope="module")
def letters_batch(tmp_path_factory, keypair):
    tmp = tmp_path_factory.mktemp("letters")
    signers = _signers(12)
    paths, results = _render(tmp, "letters", signers, signing=SigningConfig(*keypair))
    return signers, paths, results


@pytest.fixture(scope="module")
def annex_batch(tmp_path_factory, keypair):
    tmp = tmp_path_factory.mktemp("annex")
    signers = _signers(130)
    paths, results = _render(tmp, "annex", signers, signing=SigningConfig(*keypair))
    return signers, paths, results


def _check_common(text, page_no, total_pages):
    assert f"Page {page_no} of {total_pages}" in text
    assert CTX.batch_id in text
    assert CTX.organisation in text
    assert "13 May 2024" in text


@pytest.mark.parametrize("extractor", ["pypdf", "pdftotext"])
def test_letters_mode_text(letters_batch, extractor):
    signers, paths, results = letters_batch
    for recipient, path, res in zip(RECIPIENTS, paths, results, strict=False):
        pages = _pypdf_pages(path) if extractor == "pypdf" else pdftotext_pages(path)
        assert len(pages) == len(signers) == res.pages
        for i, (text, s) in enumerate(zip(pages, signers, strict=False), start=1):
            assert unicodedata.is_normalized("NFC", text)
            assert recipient.name in text
            assert recipient.salutation in text
            assert "Presidential Palace" in text or "Trại giam An Điềm" in text
            assert "Trần Thị Nga, a mother of two" in text
            assert "Yours sincerely," in text
            assert s.name in text, (i, s.name)
            assert f"{s.city}, {s.country_code}" in text  # not a code: printed as given
            _check_common(text, i, len(signers))
            # exactly one signer per page (ignoring names that also occur in the letter itself)
            letter_text = " ".join(CTX.letter_paragraphs) + recipient.name
            present = [
                o.name
                for o in signers
                if re.search(re.escape(o.name) + r"(?!\d)", text) and o.name not in letter_text
            ]
            assert present in ([s.name], []) and (present or s.name in letter_text), present


def test_letters_mode_exact_names(letters_batch):
    signers, paths, _ = letters_batch
    pages = pdftotext_pages(paths[0])
    for text, s in zip(pages, signers, strict=False):
        lines = [ln.strip() for ln in text.splitlines()]
        assert s.name in lines  # the whole line is exactly the name
    assert "Nguyễn Phú Trọng" in pages[1]
    assert "Łukasz Wójcik" in pages[2]
    assert "Zoë Ólafsdóttir" in pages[3]


def test_annex_mode_text_and_counts(annex_batch):
    signers, paths, results = annex_batch
    n_table = math.ceil(len(signers) / layout.ROWS_PER_PAGE)
    for recipient, path, res in zip(RECIPIENTS, paths, results, strict=False):
        assert res.pages == 1 + n_table
        pages = pdftotext_pages(path)
        assert len(pages) == res.pages == len(pypdf.PdfReader(str(path)).pages)
        assert recipient.name in pages[0]
        assert f"On behalf of {len(signers)} signers" in pages[0]
        for i, text in enumerate(pages, start=1):
            _check_common(text, i, res.pages)
        for text in pages[1:]:
            for label in ("No.", "Name", "City", "Country", "Date signed"):
                assert label in text  # header repeated on every table page
        alltext = "\n".join(_pypdf_pages(path)[1:])
        for s in signers:
            assert s.name in alltext
        # row numbers present in order on the pypdf text
        assert re.search(r"\b130\b", alltext)


def test_page_counts_arithmetic(tmp_path):
    for n in (1, layout.ROWS_PER_PAGE, layout.ROWS_PER_PAGE + 1):
        signers = [signer(i, f"Person {i}") for i in range(1, n + 1)]
        buf = io.BytesIO()
        res = render_batch_pdf(CTX, RECIPIENTS[0], signers, n, "annex", buf)
        assert res.pages == 1 + math.ceil(n / layout.ROWS_PER_PAGE)
        assert len(pypdf.PdfReader(buf).pages) == res.pages
        buf = io.BytesIO()
        res = render_batch_pdf(CTX, RECIPIENTS[0], signers, n, "letters", buf)
        assert res.pages == n == len(pypdf.PdfReader(buf).pages)


def test_fonts_embedded_and_subset(letters_batch, annex_batch):
    for path in letters_batch[1] + annex_batch[1]:
        out = subprocess.run(
            ["pdffonts", str(path)], check=True, capture_output=True, text=True
        ).stdout
        rows = out.splitlines()[2:]
        assert rows
        for row in rows:
            cols = row.split()
            name = cols[0]
            assert re.fullmatch(r"[A-Z]{6}\+\S+", name), name
            assert cols[-5:-2] == ["yes", "yes", "yes"], row  # emb sub uni
        seen = 0
        with pikepdf.open(path) as pdf:
            for obj in pdf.objects:
                if isinstance(obj, pikepdf.Dictionary) and obj.get("/Type") == "/FontDescriptor":
                    assert "/FontFile2" in obj or "/FontFile3" in obj
                    assert re.fullmatch(r"/[A-Z]{6}\+\S+", str(obj.FontName))
                    seen += 1
        assert seen >= 4


def test_signature_valid_and_tamper_detected(letters_batch, annex_batch, keypair):
    _, cert = keypair
    for path, res in zip(
        letters_batch[1] + annex_batch[1], letters_batch[2] + annex_batch[2], strict=False
    ):
        data = path.read_bytes()
        assert res.signed
        v = verify_pdf(data, cert)
        assert v.ok and v.intact and v.valid and v.trusted and v.covers_whole_file, v
        for pos in (len(data) // 3, 200):
            bad = bytearray(data)
            bad[pos] ^= 0x01
            assert not verify_pdf(bytes(bad), cert).ok
        # appended bytes are not covered
        assert not verify_pdf(data + b"\n% appended\n", cert).covers_whole_file


def test_nfc_normalisation(tmp_path):
    nfd = unicodedata.normalize("NFD", "Trần Thị Nga")
    assert nfd != "Trần Thị Nga"
    signers = [signer(1, nfd, unicodedata.normalize("NFD", "Huế"))]
    buf = io.BytesIO()
    res = render_batch_pdf(CTX, RECIPIENTS[0], signers, 1, "letters", buf)
    assert res.degraded_names == []
    text = pypdf.PdfReader(buf).pages[0].extract_text()
    assert "Trần Thị Nga" in text and "Huế, Vietnam" in text  # an English letter's words


def test_count_mismatch_and_one_shot_iterator():
    signers = [signer(i, f"P {i}") for i in range(1, 6)]
    with pytest.raises(SignerCountMismatch):
        render_batch_pdf(CTX, RECIPIENTS[0], signers, 6, "letters", io.BytesIO())
    with pytest.raises(SignerCountMismatch):
        render_batch_pdf(CTX, RECIPIENTS[0], signers, 4, "annex", io.BytesIO())
    out = io.BytesIO()
    res = render_batch_pdf(
        CTX, RECIPIENTS[0], iter(signers), 5, "letters", out
    )  # generator consumed once
    assert res.pages == 5


def test_failed_batch_writes_nothing():
    out = io.BytesIO()
    with pytest.raises(SignerCountMismatch):
        render_batch_pdf(CTX, RECIPIENTS[0], [signer(1, "A")], 2, "letters", out)
    assert out.getvalue() == b""


def test_letter_too_long_for_letters_mode():
    from dataclasses import replace

    ctx = replace(CTX, letter_paragraphs=tuple(["A long paragraph of text. " * 40] * 6))
    with pytest.raises(LetterTooLongError):
        render_batch_pdf(ctx, RECIPIENTS[0], [signer(1, "A")], 1, "letters", io.BytesIO())
    # annex mode accepts a multi-page letter and counts its pages
    out = io.BytesIO()
    res = render_batch_pdf(ctx, RECIPIENTS[0], [signer(1, "A")], 1, "annex", out)
    pages = [p.extract_text() for p in pypdf.PdfReader(out).pages]
    assert res.pages == len(pages) >= 3
    assert f"Page {res.pages} of {res.pages}" in pages[-1]


def test_long_names_kept_whole(tmp_path):
    long_name = (
        "Maria-Alexandra Constantinescu-Vasilescu de la Fuente y Hohenzollern-Sigmaringen Nguyễn "
        * 2
    )
    long_name = long_name.strip()
    signers = [
        signer(
            1,
            long_name,
            "Llanfairpwllgwyngyllgogerychwyrndrobwllllantysiliogogogoch",
            "United Kingdom",
        )
    ]
    for mode in ("letters", "annex"):
        buf = io.BytesIO()
        render_batch_pdf(CTX, RECIPIENTS[0], signers, 1, mode, buf)
        path = tmp_path / f"{mode}.pdf"
        path.write_bytes(buf.getvalue())
        text = " ".join(" ".join(pdftotext_pages(path)).split())
        # every word printed (may be wrapped over lines, never truncated)
        for word in long_name.split() + [
            "Llanfairpwllgwyngyllgogerychwyrndrobwllllantysiliogogogoch"
        ]:
            assert word in text.replace(" ", "") or word in text, word
