"""oEmbed, the link-preview card, the QR poster and the favicon."""

from __future__ import annotations

import io
from urllib.parse import quote

import pytest
from PIL import Image

from petition_service.extensions import db
from petition_service.models import PetitionStatus
from tests.factories import make_organisation, make_petition, make_signature, make_translation

BASE = "http://petitions.example.org"


def _petition(app, **fields) -> str:
    with app.app_context():
        organisation = make_organisation(slug="cat-vn", name="CAT-VN")
        petition = make_petition(
            organisation=organisation,
            slug="free-quynh",
            title="Free Nguyễn Ngọc Như Quỳnh",
            **fields,
        )
        make_translation(petition, title="Trả tự do cho Nguyễn Ngọc Như Quỳnh")
        make_signature(petition)
        db.session.commit()
        return petition.slug


def _oembed(client, url: str, **params):
    query = "&".join(f"{key}={value}" for key, value in params.items())
    return client.get(f"/oembed?url={quote(url, safe='')}&{query}")


def test_oembed_answers_a_rich_response_that_embeds_the_form(app, client):
    slug = _petition(app)
    response = _oembed(client, f"{BASE}/p/{slug}?lang=vi", format="json")
    assert response.status_code == 200 and response.mimetype == "application/json"
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    body = response.json
    assert body["version"] == "1.0" and body["type"] == "rich"
    assert body["title"] == "Trả tự do cho Nguyễn Ngọc Như Quỳnh"
    assert body["author_name"] == "CAT-VN" and body["author_url"] == f"{BASE}/o/cat-vn"
    assert body["provider_url"] == f"{BASE}/"
    assert (body["width"], body["height"]) == (600, 760)
    assert body["html"].startswith(f'<iframe src="{BASE}/embed/{slug}?lang=vi" width="600"')
    assert body["thumbnail_url"] == f"{BASE}/p/{slug}/card.png?lang=vi"
    assert (body["thumbnail_width"], body["thumbnail_height"]) == (1200, 630)
    # The embed it points at may be framed by any site (the petition allows all).
    frame = client.get(f"/embed/{slug}?lang=vi")
    assert frame.headers["Content-Security-Policy"] == "frame-ancestors *"


def test_oembed_respects_maxwidth_and_maxheight(app, client):
    slug = _petition(app)
    body = _oembed(client, f"{BASE}/p/{slug}", maxwidth=400, maxheight=500).json
    assert (body["width"], body["height"]) == (400, 500)
    assert 'width="400" height="500"' in body["html"]
    # Below what the form needs, the minimum is kept.
    assert _oembed(client, f"{BASE}/p/{slug}", maxwidth=50).json["width"] == 280


@pytest.mark.parametrize(
    "url",
    [
        "https://elsewhere.example/p/free-quynh",
        f"{BASE}/p/no-such-petition",
        f"{BASE}/o/cat-vn",
        f"{BASE}/p/free-quynh/extra",
        "javascript:alert(1)",
        "",
    ],
)
def test_oembed_is_404_for_anything_but_a_public_petition_here(app, client, url):
    _petition(app)
    assert _oembed(client, url).status_code == 404


def test_oembed_refuses_xml_and_drafts(app, client):
    slug = _petition(app)
    assert _oembed(client, f"{BASE}/p/{slug}", format="xml").status_code == 501
    with app.app_context():
        draft = make_petition(status=PetitionStatus.DRAFT).slug
        db.session.commit()
    assert _oembed(client, f"{BASE}/p/{draft}").status_code == 404


def test_the_card_is_a_1200_by_630_png_that_may_be_cached(app, client):
    slug = _petition(app)
    response = client.get(f"/p/{slug}/card.png?lang=vi")
    assert response.status_code == 200 and response.mimetype == "image/png"
    assert "max-age=600" in response.headers["Cache-Control"]
    with Image.open(io.BytesIO(response.data)) as image:
        assert image.size == (1200, 630)
    # Each language draws its own title.
    assert client.get(f"/p/{slug}/card.png?lang=en").data != response.data


def test_the_qr_code_is_vector_svg_of_the_petition_address(app, client):
    slug = _petition(app)
    response = client.get(f"/p/{slug}/qr.svg")
    assert response.status_code == 200 and response.mimetype == "image/svg+xml"
    assert b"<svg" in response.data and b"<path" in response.data
    assert b"<image" not in response.data  # no bitmap inside
    poster = client.get(f"/p/{slug}/poster?lang=vi").text
    assert "Quét mã để ký" in poster and f"{BASE}/p/{slug}</p>" in poster
    qr = poster[poster.index('class="poster-qr"') :]
    assert qr.index("<svg") < qr.index("</div>")  # inline vector, printed sharp at any size
    assert client.get("/p/no-such/poster").status_code == 404


def test_the_favicon_is_there(app, client):
    with client.get("/favicon.ico") as response:
        assert response.status_code == 200 and response.mimetype == "image/x-icon"
        with Image.open(io.BytesIO(response.data)) as icon:
            assert icon.format == "ICO"
    slug = _petition(app)
    assert '<link rel="icon" href="/favicon.ico"' in client.get(f"/p/{slug}").text
    assert '<link rel="icon" href="/favicon.ico"' in client.get(f"/embed/{slug}").text
