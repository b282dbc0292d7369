"""Each recipient reads the letter in their language; every sponsor signs it; a signer's
place reads in the letter's direction; the footer is drawn once per file."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime

import pypdf
import pytest

from petition_service.extensions import db
from petition_service.letters.assemble import render_batch_pdfs
from petition_service.letters.batches import freeze_batch, render_batch
from petition_service.letters.models import Batch
from tests.factories import (
    make_organisation,
    make_petition,
    make_signature,
    make_sponsor,
    make_translation,
)
from tests.letters.helpers import CTX, RECIPIENTS, pdftotext_pages, signer
from tests.letters.test_scripts import ARABIC, RECIPIENT_AR, _words

ENGLISH = ("We ask you to release her.", "Thank you.")
VIETNAMESE = ("Chúng tôi đề nghị trả tự do cho bà.", "Xin cảm ơn.")


def _batch_texts(storage, batch_id: int) -> dict[str, tuple[list[str], str]]:
    """Per recipient: the text of each page, and the PDF's /Lang."""
    batch = db.session.get(Batch, batch_id)
    found = {}
    for document in batch.documents:
        path = storage.path(batch_id, document.file_name)
        language = pypdf.PdfReader(path).trailer["/Root"]["/Lang"]
        found[document.recipient_name] = (pdftotext_pages(path), str(language))
    return found


@pytest.mark.parametrize("mode", ["letters", "annex"])
def test_each_recipient_reads_their_language_and_every_sponsor_is_named(app, storage, mode):
    with app.app_context():
        owner = make_organisation(name="Defend the Defenders")
        partner = make_organisation(name="Brotherhood for Democracy")
        petition = make_petition(
            organisation=owner,
            title="Free her",
            letter_body="\n\n".join(ENGLISH),
            letter_closing="Yours sincerely,",
            language="en",
            recipients=[
                {"name": "Tô Lâm", "salutation": "Kính gửi Bộ trưởng,", "language": "vi"},
                {"name": "Special Rapporteur", "salutation": "Dear Rapporteur,", "language": "en"},
                # No French text: the petition's own language.
                {"name": "Ministre", "salutation": "Madame la Ministre,", "language": "fr"},
            ],
        )
        make_translation(
            petition,
            title="Trả tự do cho bà",
            letter_body="\n\n".join(VIETNAMESE),
            letter_closing="Trân trọng,",
        )
        make_sponsor(petition, partner)
        for name in ("Trần Văn Hùng", "Łukasz Wójcik"):
            make_signature(petition, name=name, confirmed_at=datetime(2024, 3, 1, 9, tzinfo=UTC))
        batch = freeze_batch(petition, mode)
        db.session.commit()
        render_batch(batch.id)
        texts = _batch_texts(storage, batch.id)

    letter_pages = slice(None) if mode == "letters" else slice(0, 1)
    vietnamese, language = texts["Tô Lâm"]
    assert language == "vi"
    for page in vietnamese[letter_pages]:
        assert all(paragraph in page for paragraph in VIETNAMESE)
        assert "Trân trọng," in page and "V/v: Trả tự do cho bà" in page
        assert "We ask you" not in page and "Yours sincerely" not in page
    for number, page in enumerate(vietnamese, start=1):  # the footer's words
        assert f"Trang {number} / {len(vietnamese)}" in page
        assert "Lô " in page and "Biên nhận:" in page and "Gốc Merkle:" in page
    assert "Defend the Defenders và Brotherhood for Democracy" in vietnamese[0]
    for name in ("Special Rapporteur", "Ministre"):
        english, language = texts[name]
        assert language == "en"
        for page in english[letter_pages]:
            assert all(paragraph in page for paragraph in ENGLISH)
            assert "Yours sincerely," in page and "Re: Free her" in page
            assert "Chúng tôi" not in page and "Trân trọng" not in page
        for number, page in enumerate(english, start=1):
            assert f"Page {number} of {len(english)}" in page and "Merkle root:" in page
        assert "Defend the Defenders and Brotherhood for Democracy" in english[0]
    if mode == "annex":  # the sponsors sign on behalf of the signers
        closing = texts["Special Rapporteur"][0][0].split("Yours sincerely,", 1)[1]
        assert closing.split()[:3] == ["Defend", "the", "Defenders"]
        assert "On behalf of 2 signers" in closing
        assert "Thay mặt 2 người ký" in texts["Tô Lâm"][0][0]
        # The two languages' tables share their names and places, not their words or dates.
        for name, heading, date in (
            ("Tô Lâm", "Phụ lục: danh sách người ký", "01/03/2024"),
            ("Ministre", "Annex: signatories", "1 March 2024"),
        ):
            table = texts[name][0][1]
            assert heading in table and table.count(date) == 2
            assert "Trần Văn Hùng" in table and "Łukasz Wójcik" in table


def test_a_place_reads_in_the_letters_direction_the_city_first(tmp_path):
    """An Arabic city before an English country in an English letter, and a French city
    before its country in an Arabic letter: each an isolated run, in the letter's order."""
    cases = (
        (CTX, RECIPIENTS[0], signer(1, "فاطمة بن علي", "تونس", "Tunisia"), "تونس", "Tunisia"),
        (ARABIC, RECIPIENT_AR, signer(1, "محمد علي", "Paris", "France"), "Paris", "France"),
    )
    for ctx, recipient, person, city, country in cases:
        path = tmp_path / f"{ctx.language}.pdf"
        with open(path, "wb") as out:
            render_batch_pdfs(ctx, [recipient], [person], 1, "letters", [out])
        words = _words(path, 1)
        # Poppler gives a right-to-left word's letters as drawn, with the comma beside it.
        [(_, city_left, _, city_top)] = [w for w in words if w[0].strip(",") in (city, city[::-1])]
        [(_, country_left, _, country_top)] = [w for w in words if w[0].strip(",") == country]
        assert abs(city_top - country_top) < 1  # one line
        if ctx.language == "en":  # left to right: the city, then the country to its right
            assert city_left < country_left
        else:  # right to left: the city at the right, the country to its left
            assert country_left < city_left


def test_the_footer_with_its_qr_code_is_drawn_once_per_file(tmp_path):
    """A page adds its signature and page number, not another QR code: 400 more pages cost
    about 540 bytes each, as before receipts (the code's operators alone are 7.8 KB)."""
    ctx = dataclasses.replace(
        CTX,
        receipt_url="https://petitions.example.org/r/abcdefghijklmnopqrstuv",
        merkle_root="ab" * 32,
    )
    sizes = []
    for count in (1, 401):
        people = [signer(i, f"Person {i}") for i in range(1, count + 1)]
        path = tmp_path / f"{count}.pdf"
        with open(path, "wb") as out:
            render_batch_pdfs(ctx, RECIPIENTS[:1], people, count, "letters", [out])
        sizes.append(path.stat().st_size)
        [footer] = {
            page["/Resources"]["/XObject"]["/Ft"].indirect_reference.idnum
            for page in pypdf.PdfReader(path).pages
        }
    assert (sizes[1] - sizes[0]) / 400 < 1000
