"""Batches over HTTP: create (202), follow, download the zip of PDFs and manifest."""

from __future__ import annotations

import io
import json
import zipfile

import pytest

from petition_service.extensions import db
from petition_service.models import Petition, StaffUser
from tests.factories import make_api_token, make_signature
from tests.staff.conftest import own_petition

RECIPIENTS = [
    {"name": "Nguyễn Phú Trọng", "title": "State President", "salutation": "Your Excellency,"},
    {"name": "Nguyễn Đình Ba", "title": "Prison Director", "salutation": "Dear Director,"},
]


@pytest.fixture(autouse=True)
def batch_files(app, tmp_path, monkeypatch):
    # Batch ids restart after each test's cleanup; each test keeps its files apart.
    monkeypatch.setitem(app.config, "BATCH_STORAGE_PATH", str(tmp_path / "batches"))


def _petition_with_signers(app, member, names):
    petition = own_petition(app, member, recipients=RECIPIENTS)
    with app.app_context():
        attached = db.session.get(Petition, petition.id)
        for name in names:
            make_signature(attached, name=name, city="Huế")
        db.session.commit()
    return petition.slug


def _token_headers(app, member):
    with app.app_context():
        secret = make_api_token(db.session.get(StaffUser, member.user_id))
        db.session.commit()
    return {"Authorization": f"Bearer {secret}", "Accept": "application/json"}


def test_create_by_token_is_202_with_location_then_download(app, member):
    slug = _petition_with_signers(app, member, ["Trần Thị Hoa", "Zoë Ólafsdóttir"])
    headers = _token_headers(app, member)
    client = app.test_client()

    created = client.post(f"/staff/petitions/{slug}/batches", json={"mode": "annex"},
                          headers=headers)  # fmt: skip
    assert created.status_code == 202
    body = created.json
    assert set(body) >= {"id", "status", "url"}
    assert created.headers["Location"] == body["url"] == f"/staff/batches/{body['id']}"

    # Jobs run inline in the tests, so the batch is rendered by now.
    status = client.get(body["url"], headers=headers).json
    assert status == {"id": body["id"], "status": "done", "done": 2, "total": 2}

    with client.get(f"/staff/batches/{body['id']}/download", headers=headers) as download:
        assert download.status_code == 200
        assert download.mimetype == "application/zip"
        zipped = download.data
    archive = zipfile.ZipFile(io.BytesIO(zipped))
    manifest = json.loads(archive.read("manifest.json"))
    assert manifest["batch_id"] == body["id"] and manifest["petition"] == slug
    assert manifest["signature_count"] == 2
    assert [r["name"] for r in manifest["recipients"]] == ["Nguyễn Phú Trọng", "Nguyễn Đình Ba"]
    for recipient in manifest["recipients"]:
        assert archive.read(recipient["file"]).startswith(b"%PDF")
    with client.get(f"/staff/batches/{body['id']}/download", headers=headers) as again:
        assert again.data == zipped  # the same bytes on every download


def test_create_from_the_petition_page_with_csrf(app, member):
    slug = _petition_with_signers(app, member, ["Lê Văn Tám"])
    page = member.client.get(f"/staff/petitions/{slug}").get_data(as_text=True)
    assert "1 confirmed signatures are waiting" in page or "waiting for a batch" in page
    response = member.post(f"/staff/petitions/{slug}/batches", {"mode": "letters"},
                           page=f"/staff/petitions/{slug}")  # fmt: skip
    assert response.status_code == 202
    assert response.headers["Location"].startswith("/staff/batches/")
    html = response.get_data(as_text=True)
    assert "Download the PDFs and manifest" in html
    without_csrf = member.client.post(f"/staff/petitions/{slug}/batches", data={"mode": "annex"})
    assert without_csrf.status_code == 400


def test_nothing_waiting_is_a_clear_409_and_no_batch(app, member):
    slug = _petition_with_signers(app, member, ["Phan Văn An"])
    headers = _token_headers(app, member)
    client = app.test_client()
    assert (
        client.post(f"/staff/petitions/{slug}/batches", json={}, headers=headers).status_code == 202
    )
    second = client.post(f"/staff/petitions/{slug}/batches", json={}, headers=headers)
    assert second.status_code == 409
    assert "No confirmed signatures are waiting" in second.json["error"]["message"]


def test_a_batch_not_rendered_yet_cannot_be_downloaded(app, member):
    from petition_service.models import BatchStatus
    from tests.factories import make_batch

    petition = own_petition(app, member)
    with app.app_context():
        batch = make_batch(db.session.get(Petition, petition.id), status=BatchStatus.RENDERING)
        db.session.commit()
        batch_id = batch.id
    response = member.client.get(f"/staff/batches/{batch_id}/download")
    assert response.status_code == 409
