"""Each way a signer appears, in both batch modes: what the PDFs print, what the manifest
counts and what `signatures_sha256` describes."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime

import pytest

from petition_service.extensions import db
from petition_service.letters.batches import freeze_batch, render_batch
from petition_service.signatures.countries import country_name
from petition_service.signatures.display import Display
from tests.factories import make_petition, make_signature, make_translation
from tests.letters.helpers import pdftotext_pages, pypdf_pages

CONFIRMED_ON = datetime(2024, 3, 1, 9, 30, tzinfo=UTC)
# (name, city, country, display)
SIGNERS = [
    ("Agnieszka Kowalczyk", "Kraków", "PL", Display.FULL),
    ("Trương Minh Đức", "Hà Nội", "VN", Display.INITIALS),
    ("Võ Thị Thu Hà", "Thành phố Hồ Chí Minh", "VN", Display.ANONYMOUS),
]


def _render(mode: str, language: str = "en", recipients=None):
    petition = make_petition(
        title="Free Trần Thị Nga",
        letter_body="Please release Trần Thị Nga.",
        language=language,
        recipients=recipients,
    )
    if recipients:
        make_translation(petition, title="Trả tự do cho Trần Thị Nga")
    signatures = [
        make_signature(
            petition,
            name=name,
            city=city,
            country=country,
            display=display,
            confirmed_at=CONFIRMED_ON,
        )  # fmt: skip
        for name, city, country, display in SIGNERS
    ]
    db.session.commit()
    batch = freeze_batch(petition, mode)
    db.session.commit()
    return render_batch(batch.id), signatures


@pytest.mark.parametrize("mode", ["letters", "annex"])
def test_each_signer_is_printed_as_they_chose(app_context, storage, mode):
    batch, signatures = _render(mode)
    document = batch.documents[0]
    path = storage.path(batch.id, document.file_name)
    text = "\n".join(pdftotext_pages(path))
    extracted = "\n".join(pypdf_pages(path))

    # Full: name, city and country.
    assert "Agnieszka Kowalczyk" in text and "Kraków" in text
    assert country_name("PL", "en") in text
    # Initials: the initials and the country, never the name or the city.
    assert "T. M. Đ." in text and country_name("VN", "en") in text
    # Counted only: a label, nothing that names or places them.
    assert "Name withheld" in text
    for kept_back in ("Trương", "Minh Đức", "Hà Nội", "Võ Thị", "Thu Hà", "Hồ Chí Minh"):
        assert kept_back not in text and kept_back not in extracted, kept_back
    # Every confirmed signer counts.
    assert batch.signature_count == 3
    if mode == "annex":
        assert "On behalf of 3 signers" in text
    else:
        assert document.pages == 3

    manifest = json.loads(storage.path(batch.id, "manifest.json").read_bytes())
    assert manifest["signature_count"] == 3
    assert manifest["signers_by_display"] == {"full": 1, "initials": 1, "anonymous": 1}


def test_the_canonical_list_describes_what_is_printed(app_context, storage):
    batch, signatures = _render("annex")
    full, initials, anonymous = (s.id for s in signatures)
    lines = (
        f"{full}\tAgnieszka Kowalczyk\tKraków\tPL\t2024-03-01\n"
        f"{initials}\tT. M. Đ.\t\tVN\t2024-03-01\n"
        f"{anonymous}\t\t\t\t2024-03-01\n"
    )
    assert batch.signatures_sha256 == hashlib.sha256(lines.encode()).hexdigest()


def test_the_vietnamese_letter_names_a_withheld_signer_in_vietnamese(app_context, storage):
    batch, _ = _render("annex", language="vi")
    text = "\n".join(pdftotext_pages(storage.path(batch.id, batch.documents[0].file_name)))
    assert "Giấu tên" in text and "Thay mặt 3 người ký" in text
    assert "Hà Nội" not in text


@pytest.mark.parametrize("mode", ["letters", "annex"])
def test_each_recipient_reads_the_countries_and_the_withheld_name_in_their_language(
    app_context, storage, mode
):
    """One batch, an English and a Vietnamese reader: the same signers, worded per letter."""
    batch, _ = _render(
        mode,
        recipients=[
            {"name": "Special Rapporteur", "salutation": "Dear Rapporteur,", "language": "en"},
            {"name": "Tô Lâm", "salutation": "Kính gửi Bộ trưởng,", "language": "vi"},
        ],
    )
    texts = {
        document.recipient_name: "\n".join(
            pdftotext_pages(storage.path(batch.id, document.file_name))
        )
        for document in batch.documents
    }
    english, vietnamese = texts["Special Rapporteur"], texts["Tô Lâm"]
    assert "Xin hãy hành động." in vietnamese and "Please release" not in vietnamese
    for text, ours, theirs in (
        (english, ("Vietnam", "Poland", "Name withheld"), ("Việt Nam", "Ba Lan", "Giấu tên")),
        (vietnamese, ("Việt Nam", "Ba Lan", "Giấu tên"), ("Vietnam", "Poland", "Name withheld")),
    ):
        for word in ours:
            assert word in text, word
        for word in theirs:
            assert word not in text, word
        # The names and the city are the same in both.
        assert "Agnieszka Kowalczyk" in text and "Kraków" in text and "T. M. Đ." in text
    if mode == "annex":
        assert "On behalf of 3 signers" in english and "listed in the annex" in english
        assert "Thay mặt 3 người ký" in vietnamese and "được liệt kê trong phụ lục" in vietnamese
