from __future__ import annotations

import unicodedata
from datetime import timedelta

from petition_service.extensions import db
from petition_service.models import PetitionStatus, SignatureStatus
from petition_service.types import utcnow
from tests.factories import make_petition, make_signature


def _page(client, slug):
    return client.get(f"/p/{slug}")


def test_open_petition_page_shows_story_letter_recipients_and_count(app, client):
    with app.app_context():
        petition = make_petition(
            title="Free Trần Thị Nga",
            story="Trần Thị Nga is a mother of two.\n\nShe was sentenced to nine years.",
            letter_body="Release her now.\n\nProtect her from ill-treatment.",
            goal=5000,
            recipients=[
                {
                    "name": "Nguyễn Phú Trọng",
                    "title": "State President",
                    "salutation": "Your Excellency,",
                },
                {
                    "name": "Nguyễn Đình Ba",
                    "title": "Prison Director",
                    "salutation": "Dear Director,",
                    "postal_address": "Prison No. 5\nThanh Hóa",
                },
            ],
        )
        for _ in range(3):
            make_signature(petition)
        make_signature(petition, status=SignatureStatus.PENDING)
        make_signature(petition, status=SignatureStatus.INVALID)
        make_signature(petition, status=SignatureStatus.WITHDRAWN, email_canonical=None)
        db.session.commit()
        slug = petition.slug

    response = _page(client, slug)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    for text in (
        "Free Trần Thị Nga",
        "Nguyễn Phú Trọng",
        "Nguyễn Đình Ba",
        "State President",
        "Prison Director",
        "Your Excellency,",
        "Dear Director,",
        "Thanh Hóa",
        "<p>She was sentenced to nine years.</p>",
        "<p>Protect her from ill-treatment.</p>",
    ):
        assert unicodedata.normalize("NFC", text) in html
    # Only confirmed signatures count.
    assert '<strong class="count">3</strong>' in html
    assert "of a goal of 5,000" in html
    assert "closed" not in html.lower()


def test_page_escapes_staff_and_signer_text(app, client):
    with app.app_context():
        petition = make_petition(
            title='<script>alert("t")</script>',
            story="<img src=x onerror=alert(1)>",
            recipients=[{"name": "<b>bold</b>", "salutation": "Dear <i>you</i>,"}],
        )
        db.session.commit()
        slug = petition.slug
    html = _page(client, slug).get_data(as_text=True)
    assert "<script>alert" not in html
    assert "<img src=x" not in html
    assert "<b>bold</b>" not in html
    assert "&lt;script&gt;" in html and "&lt;img src=x onerror=alert(1)&gt;" in html


def test_unknown_slug_is_a_friendly_404(client):
    response = _page(client, "no-such-petition")
    assert response.status_code == 404
    assert response.mimetype == "text/html"
    assert "could not find this page" in response.get_data(as_text=True)


def test_draft_petition_is_not_public(app, client):
    with app.app_context():
        slug = make_petition(status=PetitionStatus.DRAFT).slug
        db.session.commit()
    assert _page(client, slug).status_code == 404
    assert client.get(f"/api/v1/petitions/{slug}").status_code == 404


def test_closed_petition_says_so_with_its_update(app, client):
    with app.app_context():
        slug = make_petition(
            status=PetitionStatus.CLOSED, update_message="Delivered to the ministry on 1 May."
        ).slug
        db.session.commit()
    html = _page(client, slug).get_data(as_text=True)
    assert "This petition is closed" in html
    assert "Delivered to the ministry on 1 May." in html


def test_open_petition_past_its_closing_date_is_shown_closed(app, client):
    with app.app_context():
        slug = make_petition(closes_at=utcnow() - timedelta(minutes=1)).slug
        db.session.commit()
    assert "This petition is closed" in _page(client, slug).get_data(as_text=True)


def test_victory_petition_shows_the_victory_update(app, client):
    with app.app_context():
        slug = make_petition(
            status=PetitionStatus.VICTORY, update_message="Trần Thị Nga is free!"
        ).slug
        db.session.commit()
    html = _page(client, slug).get_data(as_text=True)
    assert "Victory" in html
    assert "Trần Thị Nga is free!" in html


def test_public_pages_cannot_be_framed(app, client):
    with app.app_context():
        slug = make_petition().slug
        db.session.commit()
    response = _page(client, slug)
    assert response.headers["X-Frame-Options"] == "DENY"
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
