from __future__ import annotations

import pytest

from petition_service.embed.framing import frame_ancestors
from petition_service.extensions import db
from petition_service.models import PetitionStatus
from tests.factories import make_petition
from tests.signatures.helpers import form_token, post_signature

ALLOWED = ["https://campaign.example.org", "http://localhost:8080"]


@pytest.fixture
def slug(app):
    with app.app_context():
        petition = make_petition(allowed_origins=ALLOWED)
        db.session.commit()
        return petition.slug


def _csp(response):
    return response.headers["Content-Security-Policy"]


def test_embed_page_may_be_framed_only_by_the_allowed_origins(client, slug):
    response = client.get(f"/embed/{slug}")
    assert response.status_code == 200
    assert _csp(response) == "frame-ancestors https://campaign.example.org http://localhost:8080"
    assert "X-Frame-Options" not in response.headers
    html = response.get_data(as_text=True)
    assert 'action="/p/' in html and "embed=1" in html
    assert "embed-frame.js" in html
    assert "Set-Cookie" not in response.headers


def test_a_petition_without_a_list_may_be_embedded_anywhere(app, client):
    with app.app_context():
        slug = make_petition(allowed_origins=[]).slug
        db.session.commit()
    assert _csp(client.get(f"/embed/{slug}")) == "frame-ancestors *"


def test_other_pages_cannot_be_framed_at_all(client, slug):
    for path in (f"/p/{slug}", "/api/v1/petitions", "/healthz", f"/p/{slug}/thanks"):
        response = client.get(path)
        assert response.headers["X-Frame-Options"] == "DENY", path
        assert _csp(response) == "frame-ancestors 'none'", path


def test_answers_to_the_embedded_form_stay_frameable(client, slug):
    """Errors, the thank-you page and the rate-limit page must show inside the iframe."""
    invalid = post_signature(client, slug, embed=True, path="/embed/{slug}", email="bad")
    assert invalid.status_code == 422
    assert _csp(invalid).startswith("frame-ancestors https://campaign.example.org")
    assert "embed-frame.js" in invalid.get_data(as_text=True)

    token = form_token(client, slug, "/embed/{slug}")
    ok = post_signature(client, slug, embed=True, token=token, address="203.0.113.30")
    assert ok.status_code == 303
    assert ok.headers["Location"].startswith(f"/embed/{slug}/thanks")
    thanks = client.get(ok.headers["Location"])
    assert 'data-signed="' in thanks.get_data(as_text=True)
    assert _csp(thanks).startswith("frame-ancestors https://campaign.example.org")

    limited = post_signature(client, slug, embed=True, token=token, address="203.0.113.30")
    assert limited.status_code == 429
    assert _csp(limited).startswith("frame-ancestors https://campaign.example.org")
    assert "embed.css" in limited.get_data(as_text=True)


def test_a_closed_petition_embeds_its_message_instead_of_the_form(app, client):
    with app.app_context():
        slug = make_petition(status=PetitionStatus.VICTORY, update_message="Released!").slug
        db.session.commit()
    html = client.get(f"/embed/{slug}").get_data(as_text=True)
    assert "Released!" in html and 'name="form_token"' not in html


def test_the_loader_script_is_served_as_javascript(client):
    with client.get("/embed.js") as response:
        assert response.status_code == 200
        assert response.mimetype == "text/javascript"
        body = response.get_data(as_text=True)
    assert "data-petition" in body and "petition:signed" in body and "event.origin" in body


@pytest.mark.parametrize(
    ("origins", "expected"),
    [(["https://a.example"], "https://a.example"),
     (["https://a.example; script-src *"], "*"),
     (["javascript:alert(1)", "https://b.example:8443"], "https://b.example:8443")],
)  # fmt: skip
def test_stored_origins_cannot_inject_other_directives(origins, expected):
    assert frame_ancestors(origins) == expected
