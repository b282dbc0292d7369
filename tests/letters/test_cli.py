"""`flask batch create | render | export | verify`, through the CLI runner."""

from __future__ import annotations

import json
import shutil

from sqlalchemy import func, select

from petition_service.extensions import db
from petition_service.models import Batch, SignatureStatus
from tests.factories import make_petition, make_signature
from tests.letters.helpers import SPECIAL_NAMES

CONTRACT_KEYS = {
    "batch_id",
    "petition",
    "created_at",
    "signature_count",
    "signatures_sha256",
    "recipients",
}


def _petition_with_signers(app, names, **fields) -> str:
    with app.app_context():
        petition = make_petition(
            recipients=[
                {"name": "Nguyễn Phú Trọng", "title": "State President", "salutation": "Sir,"},
                {"name": "Nguyễn Đình Ba", "title": "Prison Director", "salutation": "Sir,"},
            ]
        )
        for name in names:
            make_signature(petition, name=name, **fields)
        db.session.commit()
        return petition.slug


def _flip_byte(path, position) -> None:
    data = bytearray(path.read_bytes())
    data[position] ^= 0x01
    path.write_bytes(bytes(data))


def test_create_export_verify_and_tampering(app, storage, tmp_path):
    slug = _petition_with_signers(app, SPECIAL_NAMES)
    runner = app.test_cli_runner()

    created = runner.invoke(args=["batch", "create", slug, "--mode", "annex"])
    assert created.exit_code == 0, created.output
    with app.app_context():
        batch_id = db.session.scalar(select(Batch.id))
    assert created.stdout.strip().splitlines()[-1] == str(batch_id)
    assert "Rendering" in created.stderr  # the progress bar stays off stdout

    out = tmp_path / "out"
    exported = runner.invoke(args=["batch", "export", str(batch_id), "--out", str(out)])
    assert exported.exit_code == 0, exported.output
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert set(manifest) >= CONTRACT_KEYS
    assert manifest["batch_id"] == batch_id and manifest["petition"] == slug
    assert manifest["signature_count"] == len(SPECIAL_NAMES)
    assert manifest["created_at"].endswith("Z")
    assert [r["name"] for r in manifest["recipients"]] == ["Nguyễn Phú Trọng", "Nguyễn Đình Ba"]
    for entry in manifest["recipients"]:
        assert set(entry) == {"name", "title", "file", "pages", "sha256"}
        assert entry["pages"] == 2
        # Re-downloading gives the bytes that were stored.
        assert (out / entry["file"]).read_bytes() == storage.path(
            batch_id, entry["file"]
        ).read_bytes()
    assert sorted(p.name for p in out.iterdir()) == sorted(
        [r["file"] for r in manifest["recipients"]] + ["manifest.json", "manifest.json.sig"]
    )

    verified = runner.invoke(args=["batch", "verify", str(out)])
    assert verified.exit_code == 0, verified.output
    assert "intact" in verified.stdout

    # A flipped byte inside a signed PDF.
    flipped = tmp_path / "flipped"
    shutil.copytree(out, flipped)
    first_pdf = flipped / manifest["recipients"][0]["file"]
    _flip_byte(first_pdf, first_pdf.stat().st_size // 3)
    result = runner.invoke(args=["batch", "verify", str(flipped)])
    assert result.exit_code != 0
    assert manifest["recipients"][0]["file"] in result.stderr
    assert "signature not valid" in result.stderr

    # An edited manifest: a page count that no longer matches.
    edited = tmp_path / "edited"
    shutil.copytree(out, edited)
    manifest["recipients"][1]["pages"] = 3
    (edited / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    result = runner.invoke(args=["batch", "verify", str(edited)])
    assert result.exit_code != 0 and "3" in result.stderr

    # A manifest that is gone, or not a manifest.
    (edited / "manifest.json").unlink()
    assert runner.invoke(args=["batch", "verify", str(edited)]).exit_code != 0
    (edited / "manifest.json").write_text('{"batch_id": "x"}', encoding="utf-8")
    assert runner.invoke(args=["batch", "verify", str(edited)]).exit_code != 0


def test_nothing_eligible_makes_no_batch_and_fails(app, storage):
    slug = _petition_with_signers(app, ["Pending Person"], status=SignatureStatus.PENDING)
    result = app.test_cli_runner().invoke(args=["batch", "create", slug])
    assert result.exit_code == 1
    assert "no confirmed signatures" in result.stderr
    assert result.stdout == ""
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Batch)) == 0


def test_unknown_petition_and_batch_fail_clearly(app, storage, tmp_path):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["batch", "create", "no-such-petition"])
    assert result.exit_code == 1 and "no petition" in result.stderr
    result = runner.invoke(args=["batch", "export", "999", "--out", str(tmp_path)])
    assert result.exit_code == 1 and "no batch 999" in result.stderr
