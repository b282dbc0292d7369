from __future__ import annotations

from petition_service.extensions import db
from petition_service.models import Petition, PetitionStatus, SignatureStatus
from tests.factories import make_petition, make_signature


def test_list_returns_only_open_petitions(app, client):
    with app.app_context():
        open_petition = make_petition(title="Free Trần Thị Nga")
        make_petition(status=PetitionStatus.DRAFT)
        make_petition(status=PetitionStatus.VICTORY)
        db.session.commit()
        slug = open_petition.slug
    response = client.get("/api/v1/petitions")
    assert response.status_code == 200
    assert response.json == [{"slug": slug, "title": "Free Trần Thị Nga", "status": "open"}]


def test_detail_has_the_contract_fields(app, client):
    with app.app_context():
        petition = make_petition(
            goal=250,
            recipients=[
                {"name": "Nguyễn Phú Trọng", "title": "State President"},
                {"name": "Nguyễn Đình Ba", "title": "Prison Director"},
            ],
        )
        make_signature(petition)
        make_signature(petition)
        make_signature(petition, status=SignatureStatus.PENDING)
        db.session.commit()
        slug, title = petition.slug, petition.title
        organisation = petition.organisation.name
    body = client.get(f"/api/v1/petitions/{slug}").json
    assert body.pop("form_token")
    assert body == {
        "slug": slug,
        "title": title,
        "status": "open",
        "signature_count": 2,
        "goal": 250,
        "recipients": [
            {"name": "Nguyễn Phú Trọng", "title": "State President", "language": "en"},
            {"name": "Nguyễn Đình Ba", "title": "Prison Director", "language": "en"},
        ],
        "sponsors": [organisation],
        "language": "en",
        "languages": ["en"],
        "url": f"http://petitions.example.org/p/{slug}",
        "person": None,
        "protected_countries": [],
    }


def test_closed_petition_detail_is_visible_with_its_status(app, client):
    with app.app_context():
        slug = make_petition(status=PetitionStatus.CLOSED).slug
        db.session.commit()
    body = client.get(f"/api/v1/petitions/{slug}").json
    assert body["status"] == "closed"
    assert body["form_token"] is None


def test_unknown_petition_is_a_json_404(client):
    response = client.get("/api/v1/petitions/nope")
    assert response.status_code == 404
    assert response.mimetype == "application/json"
    assert response.json["error"]["code"] == 404


def test_unknown_api_route_is_json_too(client):
    response = client.get("/api/v1/nothing-here")
    assert response.status_code == 404
    assert response.json["error"]["code"] == 404


def test_wrong_method_is_a_json_405_with_allow(client):
    response = client.delete("/api/v1/petitions")
    assert response.status_code == 405
    assert "GET" in response.headers["Allow"]
    assert response.json["error"]["code"] == 405


def test_one_client_polling_too_fast_is_slowed(app, client):
    app.config["API_READ_LIMIT"] = "3 per minute"
    try:
        statuses = [client.get("/api/v1/petitions").status_code for _ in range(4)]
        other = client.get("/api/v1/petitions", environ_base={"REMOTE_ADDR": "192.0.2.99"})
    finally:
        app.config["API_READ_LIMIT"] = "600 per minute"
    assert statuses == [200, 200, 200, 429]
    assert other.status_code == 200


def test_the_count_endpoint_is_cheap_and_cacheable(app, client):
    with app.app_context():
        petition = make_petition(goal=900)
        make_signature(petition)
        make_signature(petition, status=SignatureStatus.PENDING)
        draft = make_petition(status=PetitionStatus.DRAFT)
        db.session.commit()
        slug, draft_slug = petition.slug, draft.slug
    response = client.get(f"/api/v1/petitions/{slug}/count")
    assert response.json == {"signature_count": 1, "goal": 900}
    assert "public" in response.headers["Cache-Control"]
    assert client.get(f"/api/v1/petitions/{draft_slug}/count").status_code == 404
    assert client.get("/api/v1/petitions/nope/count").json["error"]["code"] == 404


def test_the_count_endpoint_serves_the_cached_count(app, client):
    app.config["COUNT_CACHE_SECONDS"] = 60
    try:
        with app.app_context():
            petition = make_petition()
            make_signature(petition)
            db.session.commit()
            slug = petition.slug
        assert client.get(f"/api/v1/petitions/{slug}/count").json["signature_count"] == 1
        assert (
            "max-age=60" in client.get(f"/api/v1/petitions/{slug}/count").headers["Cache-Control"]
        )
        with app.app_context():
            make_signature(db.session.get(Petition, petition.id))
            db.session.commit()
        # Still the cached value: the count may lag by up to COUNT_CACHE_SECONDS.
        assert client.get(f"/api/v1/petitions/{slug}/count").json["signature_count"] == 1
    finally:
        app.config["COUNT_CACHE_SECONDS"] = 0
