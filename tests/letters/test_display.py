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
from tests.factories import make_petition, make_signature
from tests.letters.helpers import pdftotext_pages, pypdf_pages

CONFIRMED_ON = datetime(2024, 3, 1, 9, 30, tzinfo=UTC)
# (name, city, country, display)
SIGNERS = [
    ("Agnieszka Kowalczyk", "Kraków", "PL", Display.FULL),
    ("Trương Minh Đức", "Hà Nội", "VN", Display.INITIALS),
    ("Võ Thị Thu Hà", "Thành phố Hồ Chí Minh", "VN", Display.ANONYMOUS),
]


def _render(mode: str, language: str = "en"):
    petition = make_petition(
        title="Free Trần Thị Nga", letter_body="Please release Trần Thị Nga.", language=language
    )
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
