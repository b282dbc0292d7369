"""The public receipt of a batch: its hashes, the document check, and a signer's own check
with a proof that verifies with no database."""

from __future__ import annotations

import hashlib
import io
import json
import subprocess
import sys
from datetime import UTC, datetime
from urllib.parse import urlsplit

from sqlalchemy import select

from petition_service.extensions import db
from petition_service.models import Batch, Signature
from petition_service.receipts.codes import format_receipt_code
from petition_service.receipts.merkle import verify_proof
from tests.mail.conftest import link, text_part
from tests.receipts.helpers import RECIPIENTS, SIGNERS, render_a_batch
from tests.signatures.helpers import post_signature

JSON = {"Accept": "application/json"}


def _files(storage_root, batch_id):
    folder = storage_root / str(batch_id)
    manifest_bytes = (folder / "manifest.json").read_bytes()
    manifest = json.loads(manifest_bytes)
    pdfs = {
        entry["file"]: (folder / entry["file"]).read_bytes() for entry in manifest["recipients"]
    }
    return manifest_bytes, manifest, pdfs


def _receipt_path(manifest) -> str:
    return urlsplit(manifest["receipt_url"]).path


def _deliver(app, batch_id, channel="hand"):
    with app.app_context():
        batch = db.session.get(Batch, batch_id)
        batch.delivered_at, batch.delivery_channel = datetime(2026, 5, 4, tzinfo=UTC), channel
        db.session.commit()


def test_the_receipt_page_shows_the_hashes_at_an_unguessable_address(
    app, client, rendered, storage_root
):
    manifest_bytes, manifest, pdfs = _files(storage_root, rendered.batch_id)
    url = manifest["receipt_url"]
    assert url.startswith("http://petitions.example.org/r/")
    token = url.rsplit("/", 1)[1]
    assert len(token) >= 20 and str(rendered.batch_id) != token
    with app.app_context():
        batch = db.session.get(Batch, rendered.batch_id)
        assert manifest["merkle_root"] == batch.merkle_root and len(batch.merkle_root) == 64

    page = client.get(_receipt_path(manifest))
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert hashlib.sha256(manifest_bytes).hexdigest() in html
    assert manifest["signatures_sha256"] in html and manifest["merkle_root"] in html
    for entry in manifest["recipients"]:
        assert entry["sha256"] in html and entry["name"] in html
    assert "Free Trần Thị Nga" in html and 'id="signature-count">5<' in html
    assert "Not delivered yet" in html
    assert not any(name in html for name in SIGNERS)  # the page names no signer

    _deliver(app, rendered.batch_id)
    assert "Delivered on May 4, 2026, by hand." in client.get(_receipt_path(manifest)).text
    assert client.get(f"/r/{rendered.batch_id}").status_code == 404
    assert client.get("/r/not-a-receipt").status_code == 404


def test_the_check_says_authentic_only_for_an_untouched_document(
    app, client, rendered, storage_root, monkeypatch
):
    manifest_bytes, manifest, pdfs = _files(storage_root, rendered.batch_id)
    check = _receipt_path(manifest) + "/check"
    name, pdf = next(iter(pdfs.items()))

    def ask(data: bytes, **kwargs):
        return client.post(
            check, data={"file": (io.BytesIO(data), "letter.pdf")}, headers=JSON, **kwargs
        )

    answer = ask(pdf)
    assert answer.status_code == 200
    assert answer.json["authentic"] is True and answer.json["file"] == name
    changed = bytearray(pdf)
    changed[len(pdf) // 2] ^= 0x01
    assert ask(bytes(changed)).json == {
        "authentic": False,
        "sha256": hashlib.sha256(changed).hexdigest(),
    }
    assert ask(pdf + b"\n%%EOF\n").json["authentic"] is False  # an appended update
    assert ask(manifest_bytes).json["authentic"] is True
    raw = client.post(check, data=pdf, content_type="application/pdf", headers=JSON)
    assert raw.json["authentic"] is True  # the bytes themselves, for curl --data-binary
    # Far over the app's 64 KiB form limit: the route raises the limit for itself alone.
    large = ask(pdf * 8)
    assert large.status_code == 200 and large.json["authentic"] is False
    assert len(pdf) * 8 > app.config["MAX_CONTENT_LENGTH"]

    with app.app_context():  # a document of another batch is not one of this batch's
        other = render_a_batch(signers=["Someone Else"])
    _m, _manifest, other_pdfs = _files(storage_root, other.batch_id)
    assert ask(next(iter(other_pdfs.values()))).json["authentic"] is False

    page = client.post(check, data={"file": (io.BytesIO(pdf), "letter.pdf")})
    assert page.status_code == 200 and "Authentic." in page.get_data(as_text=True)
    assert client.post(check, data={"other": "x"}, headers=JSON).status_code == 400
    truncated = (
        b'--xyz\r\nContent-Disposition: form-data; name="file"; filename="a.pdf"\r\n\r\n%PDF'
    )
    cut = client.post(check, data=truncated, content_type="multipart/form-data; boundary=xyz")
    assert cut.status_code == 400
    assert client.post(check, data=b"x", content_type="multipart/form-data").status_code == 400
    monkeypatch.setitem(app.config, "RECEIPT_CHECK_MAX_BYTES", 10_000)
    assert ask(pdf).status_code == 413


def test_a_signer_learns_their_own_inclusion_with_a_proof_that_verifies_offline(
    app, client, rendered, storage_root, tmp_path
):
    _manifest_bytes, manifest, _pdfs = _files(storage_root, rendered.batch_id)
    mine = _receipt_path(manifest) + "/mine"
    for name, code in zip(SIGNERS, rendered.codes, strict=True):
        typed = format_receipt_code(code).lower()  # as a person might type it
        answer = client.post(mine, data={"code": typed}, headers=JSON)
        assert answer.json["included"] is True and answer.json["delivered_on"] is None
        proof = answer.json["proof"]
        assert verify_proof(proof, manifest)
        assert name in proof["line"]
        others = [other for other in SIGNERS if other != name]
        assert not any(other in answer.get_data(as_text=True) for other in others)
        changed = {**proof, "line": proof["line"].replace(name, name + "x")}
        assert not verify_proof(changed, manifest)

    html = client.post(mine, data={"code": rendered.codes[0]}).get_data(as_text=True)
    assert "Your signature is in this delivery." in html and "not been delivered yet" in html
    _deliver(app, rendered.batch_id)
    html = client.post(mine, data={"code": rendered.codes[0]}).get_data(as_text=True)
    assert "Your signature is in this delivery, delivered on May 4, 2026." in html
    assert client.post(mine, data={"code": "0000-0000-0000-0000"}, headers=JSON).json == {
        "included": False
    }

    # A third party checks the downloaded proof against the manifest, with no database.
    download = client.post(_receipt_path(manifest) + "/proof", data={"code": rendered.codes[2]})
    assert download.headers["Content-Disposition"].startswith("attachment")
    (tmp_path / "proof.json").write_bytes(download.data)
    (tmp_path / "manifest.json").write_text(json.dumps(manifest))
    checker = [sys.executable, "-m", "petition_service.receipts.merkle", "proof.json",
               "manifest.json"]  # fmt: skip
    assert subprocess.run(checker, cwd=tmp_path, capture_output=True).returncode == 0
    tampered = json.loads(download.data)
    tampered["line"] = tampered["line"].replace("Phạm", "Pham")
    (tmp_path / "proof.json").write_text(json.dumps(tampered))
    assert subprocess.run(checker, cwd=tmp_path, capture_output=True).returncode == 1


def test_a_code_from_another_batch_is_not_in_this_one_and_the_lookup_finds_its_own(
    app, client, rendered, storage_root
):
    with app.app_context():
        other = render_a_batch(signers=["Someone Else"])
    _b, manifest, _p = _files(storage_root, rendered.batch_id)
    _b, other_manifest, _p = _files(storage_root, other.batch_id)
    answer = client.post(
        _receipt_path(manifest) + "/mine", data={"code": other.codes[0]}, headers=JSON
    )
    assert answer.json == {"included": False}
    found = client.post("/receipt", data={"code": other.codes[0]}).get_data(as_text=True)
    assert other_manifest["receipt_url"] in found and "being prepared" in found
    assert "We know no confirmed signature" in client.post("/receipt", data={"code": "x"}).text


def test_the_confirmation_gives_the_signer_a_private_receipt_code(app, client, smtp):
    from petition_service.letters.storage import LocalBatchStorage  # noqa: F401
    from tests.factories import make_petition

    with app.app_context():
        slug = make_petition(recipients=RECIPIENTS[:1]).slug
        db.session.commit()
    assert post_signature(client, slug, email="code@example.org").status_code == 303
    [mail] = smtp.messages
    with app.app_context():
        code = db.session.scalar(
            select(Signature.receipt_code).where(Signature.email == "code@example.org")
        )
    assert format_receipt_code(code) in text_part(mail)
    confirm = link(mail, "confirm")
    client.post(confirm)
    page = client.get(confirm).get_data(as_text=True)
    assert f'id="receipt-code">{format_receipt_code(code)}<' in page


def test_a_receipt_exists_from_the_freeze_and_a_withdrawn_signer_is_not_in_it(
    app, client, storage_root
):
    from petition_service.letters.batches import freeze_batch
    from petition_service.signatures.lifecycle import withdraw_signature
    from tests.factories import make_petition, make_signature

    with app.app_context():
        petition = make_petition(recipients=RECIPIENTS)
        kept, left = make_signature(petition), make_signature(petition)
        batch = freeze_batch(petition, "letters")
        db.session.commit()
        path = "/r/" + batch.receipt_token
        codes = kept.receipt_code, left.receipt_code
        withdraw_signature(left.id)
        db.session.commit()
    page = client.get(path).get_data(as_text=True)
    assert "The documents are being prepared." in page and "Nguyễn Phú Trọng" in page
    assert client.post(path + "/mine", data={"code": codes[0]}, headers=JSON).json["included"]
    assert client.post(path + "/mine", data={"code": codes[1]}, headers=JSON).json == {
        "included": False
    }
