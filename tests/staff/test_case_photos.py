"""Staff set the person a petition is about and upload their photo; the public gets it
re-encoded, from a URL that is cached for good."""

from __future__ import annotations

import io
from pathlib import Path

from sqlalchemy import func, select

from petition_service.extensions import db
from petition_service.models import Petition, Photo
from tests.sharing.test_photos import _jpeg
from tests.staff.conftest import own_petition


def _upload(member, slug, data: bytes, **fields):
    form = {"person_name": "Nguyễn Văn Đài", "case_status": "detained", **fields}
    if data:
        form["photo"] = (io.BytesIO(data), "portrait.jpg")
    return member.post(
        f"/staff/petitions/{slug}/case",
        form,
        page=f"/staff/petitions/{slug}/case",
        content_type="multipart/form-data",
    )


def test_staff_upload_a_photo_served_with_caching_headers(app, member, client):
    petition = own_petition(app, member)
    upload = _jpeg(3000, 2000)
    assert len(upload) > 64 * 1024  # above the public pages' body limit
    response = _upload(member, petition.slug, upload)
    assert response.status_code == 303, response.text
    with app.app_context():
        sha = db.session.scalar(select(Petition.photo_sha256).where(Petition.id == petition.id))
    assert sha
    page = client.get(f"/p/{petition.slug}?lang=en").text
    assert f'src="/media/photos/{sha}-large.jpg"' in page
    assert 'alt="Photo of Nguyễn Văn Đài"' in page
    assert f'content="http://petitions.example.org/media/photos/{sha}-large.jpg"' in page

    with client.get(f"/media/photos/{sha}-large.jpg") as served:
        assert served.status_code == 200 and served.mimetype == "image/jpeg"
        assert "immutable" in served.headers["Cache-Control"]
        assert "max-age=31536000" in served.headers["Cache-Control"]
        assert served.headers["ETag"]
        assert b"Secret Camera" not in served.data
    # Another server without the file copy writes it from the database.
    copy = Path(app.instance_path) / "photos" / f"{sha}-small.jpg"
    copy.unlink(missing_ok=True)
    with client.get(f"/media/photos/{sha}-small.jpg") as served:
        assert served.status_code == 200
    assert copy.is_file()
    assert client.get(f"/media/photos/{'0' * 64}-large.jpg").status_code == 404
    assert client.get(f"/media/photos/{sha}-huge.jpg").status_code == 404


def test_replacing_a_photo_forgets_the_old_one_and_a_bad_file_changes_nothing(app, member):
    petition = own_petition(app, member)
    assert _upload(member, petition.slug, _jpeg(900, 900)).status_code == 303
    assert _upload(member, petition.slug, _jpeg(1000, 700)).status_code == 303
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Photo)) == 1
        kept = db.session.scalar(select(Petition.photo_sha256).where(Petition.id == petition.id))
    refused = _upload(member, petition.slug, b"GIF89a not really", person_name="Changed")
    assert refused.status_code == 422 and "not an image" in refused.text
    with app.app_context():
        row = db.session.get(Petition, petition.id)
        assert row.photo_sha256 == kept and row.person_name == "Nguyễn Văn Đài"
    removed = _upload(member, petition.slug, b"", remove_photo="y")
    assert removed.status_code == 303
    with app.app_context():
        assert db.session.get(Petition, petition.id).photo_sha256 is None
        assert db.session.scalar(select(func.count()).select_from(Photo)) == 0
