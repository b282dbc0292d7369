from __future__ import annotations

from sqlalchemy import select

from petition_service.extensions import db
from petition_service.models import Petition, PetitionStatus, Recipient
from tests.staff.conftest import own_petition, page_token

VALID = {
    "title": "Free Phạm Đoan Trang",
    "slug": "free-pham-doan-trang",
    "summary": "A journalist jailed for her writing.",
    "story": "She wrote.\n\nShe was jailed.",
    "letter_body": "We ask you to release her.",
    "letter_closing": "Respectfully,",
    "language": "vi",
    "goal": "5000",
    "opens_at": "2026-01-01T09:00",
    "closes_at": "",
    "allowed_origins": "https://Campaign.example.org/\nhttp://localhost:8080",
}


def _petition(app, slug):
    with app.app_context():
        petition = db.session.scalar(select(Petition).where(Petition.slug == slug))
        if petition is not None:
            petition.recipients  # noqa: B018
            db.session.expunge(petition)
        return petition


def test_create_a_petition_as_a_draft(app, member):
    response = member.post("/staff/petitions/new", VALID, page="/staff/petitions/new")
    assert response.status_code == 303
    assert response.headers["Location"] == "/staff/petitions/free-pham-doan-trang"
    petition = _petition(app, "free-pham-doan-trang")
    assert petition.status is PetitionStatus.DRAFT
    assert petition.organisation_id == member.organisation_id
    assert petition.title == "Free Phạm Đoan Trang"
    assert petition.language == "vi" and petition.goal == 5000
    assert petition.allowed_origins == ["https://campaign.example.org", "http://localhost:8080"]
    assert petition.opens_at.isoformat() == "2026-01-01T09:00:00+00:00"
    assert petition.closes_at is None


def test_bad_origin_and_taken_slug_show_clear_errors_and_keep_the_input(app, member):
    own_petition(app, member, slug="taken")
    bad = {**VALID, "slug": "taken", "allowed_origins": "https://ok.example.org\nexample.org/path"}
    response = member.post("/staff/petitions/new", bad, page="/staff/petitions/new")
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Line 2 (example.org/path) is not an origin" in html
    assert "Free Phạm Đoan Trang" in html and "We ask you to release her." in html
    assert "https://ok.example.org\nexample.org/path</textarea>" in html

    duplicate = member.post(
        "/staff/petitions/new", {**VALID, "slug": "taken"}, page="/staff/petitions/new"
    )
    assert duplicate.status_code == 422
    html = duplicate.get_data(as_text=True)
    assert "Another petition already uses this address." in html
    assert 'value="Free Phạm Đoan Trang"' in html
    with app.app_context():
        assert db.session.scalar(select(db.func.count()).select_from(Petition)) == 1


def test_other_validation_errors(app, member):
    cases = {
        "slug": ("Bad Slug", "Use lowercase letters"),
        "goal": ("0", "Number must be between"),
        "closes_at": ("2025-01-01T00:00", "The closing date must come after"),
        "title": ("", "This field is required."),
    }
    for field, (value, message) in cases.items():
        response = member.post(
            "/staff/petitions/new", {**VALID, field: value}, page="/staff/petitions/new"
        )
        assert response.status_code == 422, field
        assert message in response.get_data(as_text=True), field


def test_edit_a_petition_keeps_a_published_slug(app, member):
    slug = own_petition(app, member, status=PetitionStatus.OPEN).slug
    form_page = member.client.get(f"/staff/petitions/{slug}/edit").get_data(as_text=True)
    assert "Nguyễn Phú Trọng" in form_page  # its recipient is listed
    url = f"/staff/petitions/{slug}/edit"
    changed = member.post(url, {**VALID, "slug": slug, "title": "New title"}, page=url)
    assert changed.status_code == 303
    assert _petition(app, slug).title == "New title"
    moved = member.post(url, {**VALID, "slug": "a-new-address"}, page=url)
    assert moved.status_code == 422
    assert "cannot change once the petition has been opened" in moved.get_data(as_text=True)
    assert _petition(app, "a-new-address") is None


def test_staff_role_cannot_manage_petitions(app, staff_member):
    slug = own_petition(app, staff_member).slug
    assert staff_member.client.get("/staff/petitions/new").status_code == 403
    assert staff_member.client.get(f"/staff/petitions/{slug}/edit").status_code == 403
    response = staff_member.post(f"/staff/petitions/{slug}/status", {"action": "close"})
    assert response.status_code == 403
    # Moderation and export are every member's work.
    assert staff_member.client.get(f"/staff/petitions/{slug}/signatures").status_code == 200


def _status(member, slug, action, message=""):
    return member.post(
        f"/staff/petitions/{slug}/status", {"action": action, "update_message": message}
    )


def test_status_transitions(app, member, client):
    slug = own_petition(app, member, status=PetitionStatus.DRAFT).slug
    assert client.get(f"/p/{slug}").status_code == 404
    assert _status(member, slug, "close").status_code == 409  # a draft cannot close
    assert _status(member, slug, "open").status_code == 303
    assert client.get(f"/p/{slug}").status_code == 200
    assert _status(member, slug, "close", "Thank you all.").status_code == 303
    assert "This petition is closed" in client.get(f"/p/{slug}").get_data(as_text=True)
    missing = _status(member, slug, "victory")
    assert missing.status_code == 422
    assert "Tell the signers what was won." in missing.get_data(as_text=True)
    assert _status(member, slug, "victory", "Trần Thị Nga is free!").status_code == 303
    page = client.get(f"/p/{slug}").get_data(as_text=True)
    assert "Victory" in page and "Trần Thị Nga is free!" in page
    assert _status(member, slug, "open").status_code == 409
    assert _petition(app, slug).status is PetitionStatus.VICTORY


def test_a_petition_without_recipients_cannot_open(app, member):
    slug = own_petition(app, member, status=PetitionStatus.DRAFT, recipients=[]).slug
    response = _status(member, slug, "open")
    assert response.status_code == 409
    assert "at least one recipient" in response.get_data(as_text=True)


def _recipients(app, slug):
    with app.app_context():
        petition = db.session.scalar(select(Petition).where(Petition.slug == slug))
        return [(r.position, r.name) for r in petition.recipients]


def test_add_edit_reorder_and_remove_recipients(app, member):
    slug = own_petition(app, member, status=PetitionStatus.DRAFT).slug
    new = f"/staff/petitions/{slug}/recipients/new"
    added = member.post(
        new,
        {
            "name": "Nguyễn Đình Ba",
            "title": "Prison Director",
            "salutation": "Dear Director,",
            "postal_address": "Trại giam số 5\nThanh Hóa",
        },
        page=new,
    )
    assert added.status_code == 303
    assert _recipients(app, slug) == [(0, "Nguyễn Phú Trọng"), (1, "Nguyễn Đình Ba")]
    first_in_line = member.post(new, {"name": "Lê Minh Khái", "order": "1"}, page=new)
    assert first_in_line.status_code == 303
    assert _recipients(app, slug) == [
        (0, "Lê Minh Khái"),
        (1, "Nguyễn Phú Trọng"),
        (2, "Nguyễn Đình Ba"),
    ]
    assert member.post(new, {"name": ""}, page=new).status_code == 422

    with app.app_context():
        ba = db.session.scalar(select(Recipient).where(Recipient.name == "Nguyễn Đình Ba"))
        ba_id = ba.id
    edit = f"/staff/petitions/{slug}/recipients/{ba_id}/edit"
    form_html = member.client.get(edit).get_data(as_text=True)
    assert 'value="3"' in form_html and "Thanh Hóa" in form_html
    moved = member.post(
        edit, {"name": "Nguyễn Đình Ba", "title": "Director", "order": "1"}, page=edit
    )
    assert moved.status_code == 303
    assert _recipients(app, slug)[0] == (0, "Nguyễn Đình Ba")

    removed = member.post(f"/staff/petitions/{slug}/recipients/{ba_id}/delete")
    assert removed.status_code == 303
    assert _recipients(app, slug) == [(0, "Lê Minh Khái"), (1, "Nguyễn Phú Trọng")]


def test_edit_page_requires_csrf(app, member):
    slug = own_petition(app, member).slug
    response = member.client.post(f"/staff/petitions/{slug}/edit", data={**VALID, "slug": slug})
    assert response.status_code == 400
    assert page_token(member.client)


def test_status_form_offers_only_possible_moves(app, member):
    draft = own_petition(app, member, status=PetitionStatus.DRAFT).slug
    html = member.client.get(f"/staff/petitions/{draft}").get_data(as_text=True)
    assert '<option value="open"' in html and '<option value="close"' not in html
    won = own_petition(app, member, status=PetitionStatus.VICTORY).slug
    html = member.client.get(f"/staff/petitions/{won}").get_data(as_text=True)
    assert 'id="status-title"' not in html


def test_protected_countries_are_set_on_the_petition_form_and_shown(app, member, client):
    slug = own_petition(app, member, status=PetitionStatus.OPEN).slug
    url = f"/staff/petitions/{slug}/edit"
    refused = member.post(url, {**VALID, "slug": slug, "protected_countries": "VN, Atlantis"},
                          page=url)  # fmt: skip
    assert refused.status_code == 422 and "Atlantis is not a country code" in refused.text
    saved = member.post(url, {**VALID, "slug": slug, "protected_countries": "vn by vn"}, page=url)
    assert saved.status_code == 303
    assert _petition(app, slug).protected_countries == ["VN", "BY"]
    assert client.get(f"/api/v1/petitions/{slug}").json["protected_countries"] == ["VN", "BY"]
    page = member.client.get(f"/staff/petitions/{slug}").text
    assert "Protected countries: Vietnam, Belarus." in page
    assert "they are erased 90 days after it closes" in page


def test_closing_starts_the_retention_time_and_reopening_stops_it(app, member):
    slug = own_petition(app, member, status=PetitionStatus.OPEN).slug
    assert _status(member, slug, "close", "Thank you.").status_code == 303
    closed_at = _petition(app, slug).closed_at
    assert closed_at is not None
    assert "once every confirmed signature is in a batch recorded as delivered" in (
        member.client.get(f"/staff/petitions/{slug}").text
    )
    assert _status(member, slug, "victory", "Won.").status_code == 303
    assert _petition(app, slug).closed_at == closed_at  # won after closing: still that day
    assert _status(member, slug, "open").status_code == 409
