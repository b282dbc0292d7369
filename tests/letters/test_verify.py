"""Batches that prove themselves: a signed manifest, a thorough `batch verify`, and a
signature withdrawn between the freeze and the render left out of what is printed."""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess

import pytest
from sqlalchemy import select

from petition_service.extensions import db
from petition_service.letters.batches import (
    canonical_signature_line,
    export_batch,
    freeze_batch,
    render_batch,
    signing_files,
)
from petition_service.letters.verify import verify_batch_folder
from petition_service.models import Batch, BatchStatus, Signature
from petition_service.signatures.lifecycle import withdraw_signature
from tests.factories import make_petition, make_signature
from tests.letters.helpers import pypdf_pages

RECIPIENTS = [
    {"name": "Nguyễn Phú Trọng", "title": "State President", "salutation": "Sir,"},
    {"name": "Nguyễn Đình Ba", "title": "Prison Director", "salutation": "Sir,"},
]


def _rendered_batch(names: list[str], mode: str = "letters", petition=None) -> Batch:
    petition = petition or make_petition(recipients=RECIPIENTS)
    for name in names:
        make_signature(petition, name=name)
    batch = freeze_batch(petition, mode)
    db.session.commit()
    return render_batch(batch.id)


def _exported(batch: Batch, folder) -> tuple[dict, object]:
    export_batch(batch, folder)
    return json.loads((folder / "manifest.json").read_text(encoding="utf-8")), folder


def _write_manifest(folder, manifest: dict) -> None:
    (folder / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=2))


@pytest.fixture
def exported(app_context, storage, tmp_path):
    batch = _rendered_batch(["Trần Thị Hoa", "Lê Văn An", "Kim Ngân"])
    manifest, folder = _exported(batch, tmp_path / "intact")
    return manifest, folder, signing_files()[1]


def test_an_exported_batch_is_intact_and_its_manifest_signature_is_plain_cms(exported):
    manifest, folder, cert = exported
    assert verify_batch_folder(folder, cert) == []
    assert (folder / "manifest.json.sig").read_bytes()[:1] == b"\x30"  # DER SEQUENCE
    # Any CMS tool can check it too, not only ours.
    openssl = shutil.which("openssl")
    if openssl:
        result = subprocess.run(
            [openssl, "cms", "-verify", "-binary", "-inform", "DER", "-in",
             str(folder / "manifest.json.sig"), "-content", str(folder / "manifest.json"),
             "-CAfile", str(cert), "-purpose", "any", "-out", "/dev/null"],
            capture_output=True, text=True,
        )  # fmt: skip
        assert result.returncode == 0, result.stderr


def _copy(folder, tmp_path, name):
    target = tmp_path / name
    shutil.copytree(folder, target)
    return target


def test_a_changed_count_is_named(exported, tmp_path):
    manifest, folder, cert = exported
    changed = _copy(folder, tmp_path, "count")
    _write_manifest(changed, {**manifest, "signature_count": 300})
    problems = verify_batch_folder(changed, cert)
    assert any(p.startswith("manifest.json was edited") for p in problems), problems
    first = manifest["recipients"][0]["file"]
    assert f"{first}: carries 3 signers, the manifest says 300" in problems


def test_a_removed_recipient_and_its_file_are_named(exported, tmp_path):
    manifest, folder, cert = exported
    removed = _copy(folder, tmp_path, "removed")
    gone = manifest["recipients"][1]
    (removed / gone["file"]).unlink()
    _write_manifest(removed, {**manifest, "recipients": manifest["recipients"][:1]})
    problems = verify_batch_folder(removed, cert)
    assert any(p.startswith("manifest.json was edited") for p in problems), problems
    # Dropping the signature as well does not help.
    (removed / "manifest.json.sig").unlink()
    problems = verify_batch_folder(removed, cert)
    assert any(p.startswith("manifest.json.sig is missing") for p in problems), problems


def test_another_batchs_pdf_swapped_in_with_its_hash_is_named(exported, tmp_path, storage):
    manifest, folder, cert = exported
    other = _rendered_batch(["Someone Else", "Another One", "A Third"])
    other_manifest, other_folder = _exported(other, tmp_path / "other")
    swapped = _copy(folder, tmp_path, "swapped")
    target = manifest["recipients"][0]
    source = other_folder / other_manifest["recipients"][0]["file"]
    shutil.copyfile(source, swapped / target["file"])
    target["sha256"] = hashlib.sha256(source.read_bytes()).hexdigest()
    _write_manifest(swapped, manifest)
    problems = verify_batch_folder(swapped, cert)
    assert any(p.startswith("manifest.json was edited") for p in problems), problems
    assert (
        f"{target['file']}: is a document of batch {other.id}, not of batch {manifest['batch_id']}"
        in problems
    )


def test_any_edit_of_the_manifest_is_named(exported, tmp_path):
    manifest, folder, cert = exported
    edited = _copy(folder, tmp_path, "edited")
    path = edited / "manifest.json"
    path.write_bytes(path.read_bytes().replace(b'"mode"', b' "mode"', 1))  # one space
    [problem] = verify_batch_folder(edited, cert)
    assert problem.startswith("manifest.json was edited")


def test_a_withdrawal_between_freeze_and_render_is_left_out(app_context, storage, tmp_path):
    petition = make_petition(recipients=RECIPIENTS)
    keep = [make_signature(petition, name=name) for name in ("Trần Thị Hoa", "Kim Ngân")]
    leaving = make_signature(petition, name="Người Rút Lại")
    batch = freeze_batch(petition, "annex")
    db.session.commit()
    assert batch.signature_count == 3
    withdraw_signature(leaving.id)
    db.session.commit()

    done = render_batch(batch.id)
    assert (done.status, done.signature_count, done.withdrawn_after_freeze) == (
        BatchStatus.DONE, 2, 1)  # fmt: skip
    kept = db.session.scalars(
        select(Signature).where(Signature.id.in_([s.id for s in keep])).order_by(Signature.id)
    ).all()
    expected = "".join(
        canonical_signature_line(s.id, s.name, s.city, s.country,
                                 s.confirmed_at.date().isoformat() if s.confirmed_at
                                 else s.created_at.date().isoformat())
        for s in kept
    )  # fmt: skip
    assert done.signatures_sha256 == hashlib.sha256(expected.encode()).hexdigest()

    manifest, folder = _exported(done, tmp_path / "out")
    assert (manifest["signature_count"], manifest["withdrawn_after_freeze"]) == (2, 1)
    text = "\n".join(pypdf_pages(folder / manifest["recipients"][0]["file"]))
    assert "On behalf of 2 signers" in text
    assert "Trần Thị Hoa" in text and "Người Rút Lại" not in text
    assert verify_batch_folder(folder, signing_files()[1]) == []


def test_a_batch_whose_every_signature_was_withdrawn_fails_clearly(app_context, storage):
    petition = make_petition(recipients=RECIPIENTS)
    only = make_signature(petition, name="Alone")
    batch = freeze_batch(petition, "letters")
    db.session.commit()
    withdraw_signature(only.id)
    db.session.commit()
    with pytest.raises(Exception, match="every signature of batch"):
        render_batch(batch.id)
    failed = db.session.get(Batch, batch.id, populate_existing=True)
    assert failed.status is BatchStatus.FAILED and "withdrawn" in failed.error
