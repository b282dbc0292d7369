"""Every page of every PDF carries the batch's receipt: its address as text and as a QR code
that decodes to it, and the Merkle root of the batch's signatures."""

from __future__ import annotations

import io
import subprocess
from datetime import UTC, datetime

import pytest
from sqlalchemy import update

from petition_service.extensions import db
from petition_service.letters.batches import freeze_batch, render_batch
from petition_service.models import Signature, SignatureStatus
from tests.factories import make_petition, make_signature
from tests.letters.helpers import pdftotext_pages
from tests.receipts.helpers import RECIPIENTS, SIGNERS
from tests.receipts.test_receipts import JSON, _files, _receipt_path


def _qr_codes(pdf, tmp_path) -> list[list[str]]:
    """What zbarimg decodes on each page, rendered by poppler at 150 dpi."""
    prefix = tmp_path / pdf.stem
    subprocess.run(["pdftoppm", "-r", "150", "-png", str(pdf), str(prefix)], check=True)
    found = []
    for image in sorted(tmp_path.glob(f"{pdf.stem}-*.png")):
        decoded = subprocess.run(
            ["zbarimg", "--quiet", "--raw", "-Sdisable", "-Sqrcode.enable", str(image)],
            capture_output=True,
            text=True,
        )  # exit status 4 when nothing is found: the assertion below says so
        found.append(decoded.stdout.splitlines())
    return found


def _render(mode: str, withdraw_one: bool) -> tuple[int, str]:
    petition = make_petition(recipients=RECIPIENTS, title="Free Trần Thị Nga")
    signatures = [
        make_signature(petition, name=name, confirmed_at=datetime(2024, 3, 1, 9, tzinfo=UTC))
        for name in SIGNERS[:3]
    ]
    batch = freeze_batch(petition, mode)
    db.session.commit()
    root_at_freeze = batch.merkle_root
    if withdraw_one:  # after the freeze: the render leaves it out and computes a new root
        db.session.execute(
            update(Signature)
            .where(Signature.id == signatures[0].id)
            .values(status=SignatureStatus.WITHDRAWN)
        )
        db.session.commit()
    render_batch(batch.id)
    return batch.id, root_at_freeze


@pytest.mark.parametrize("mode", ["letters", "annex"])
def test_every_page_carries_the_receipt_address_its_qr_code_and_the_merkle_root(
    app, client, storage_root, tmp_path, mode
):
    with app.app_context():
        batch_id, root_at_freeze = _render(mode, withdraw_one=mode == "letters")
        db.session.remove()
    _manifest_bytes, manifest, pdfs = _files(storage_root, batch_id)
    url, root = manifest["receipt_url"], manifest["merkle_root"]
    assert url.startswith("http") and "/r/" in url and len(root) == 64
    if mode == "letters":  # a withdrawal after the freeze: the printed root is the new one
        assert root != root_at_freeze
    folder = storage_root / str(batch_id)
    for entry in manifest["recipients"]:
        path = folder / entry["file"]
        texts = pdftotext_pages(path)
        codes = _qr_codes(path, tmp_path)
        assert len(texts) == len(codes) == entry["pages"] >= 2
        for number, (text, decoded) in enumerate(zip(texts, codes, strict=True), start=1):
            assert decoded == [url], (entry["file"], number)
            assert url in text and root in text, (entry["file"], number)

        # The documents are still the batch's, untouched.
        answer = client.post(
            _receipt_path(manifest) + "/check",
            data={"file": (io.BytesIO(pdfs[entry["file"]]), "letter.pdf")},
            headers=JSON,
        )
        assert answer.json["authentic"] is True and answer.json["file"] == entry["file"]
