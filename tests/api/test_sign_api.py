from __future__ import annotations

import pytest
from sqlalchemy import select

from petition_service.extensions import db
from petition_service.models import Petition, PetitionStatus, Signature
from tests.factories import make_petition
from tests.signatures.helpers import fresh_address, post_signature


@pytest.fixture
def slug(app):
    with app.app_context():
        petition = make_petition()
        db.session.commit()
        return petition.slug


def _sign(client, slug, address=None, **overrides):
    token = client.get(f"/api/v1/petitions/{slug}").json["form_token"]
    body = {"name": "Zoë Ólafsdóttir", "email": "zoe@example.org", "country": "IS",
            "city": "Reykjavík", "consent": True, "form_token": token, **overrides}  # fmt: skip
    body = {key: value for key, value in body.items() if value is not None}
    return client.post(f"/api/v1/petitions/{slug}/signatures", json=body,
                       environ_base={"REMOTE_ADDR": address or fresh_address()})  # fmt: skip


def test_a_good_signature_is_202_pending_confirmation(app, client, slug):
    response = _sign(client, slug, updates=True)
    assert response.status_code == 202
    assert response.json == {"status": "pending_confirmation"}
    with app.app_context():
        signature = db.session.scalar(select(Signature))
        assert (signature.name, signature.city, signature.wants_updates) == (
            "Zoë Ólafsdóttir", "Reykjavík", True)  # fmt: skip


def test_errors_are_422_per_field(client, slug):
    response = _sign(client, slug, email="nope", consent=False, country="Iceland")
    assert response.status_code == 422
    errors = response.json["errors"]
    assert set(errors) == {"email", "consent", "country"}
    assert all(isinstance(message, str) for messages in errors.values() for message in messages)


@pytest.mark.parametrize(
    "overrides",
    [{"name": 42}, {"name": ["a"]}, {"consent": "perhaps"}, {"email": None, "name": None},
     {"country": 7}, {"unexpected": 1}, {"form_token": 5}],
)  # fmt: skip
def test_wrong_types_and_unknown_fields_are_422(client, slug, overrides):
    assert _sign(client, slug, **overrides).status_code == 422


def test_a_repeat_gets_the_same_answer(app, client, slug):
    assert _sign(client, slug).json == _sign(client, slug, email="ZOE@example.org").json
    with app.app_context():
        assert len(db.session.scalars(select(Signature)).all()) == 1


def test_a_too_fast_submission_gets_a_fresh_token(app, client, slug):
    app.config["FORM_MIN_SECONDS"] = 3
    try:
        response = _sign(client, slug)
    finally:
        app.config["FORM_MIN_SECONDS"] = 0
    assert response.status_code == 422
    assert "form_token" in response.json["errors"]
    assert response.json["form_token"]


def test_body_that_is_not_json_is_refused(client, slug):
    url = f"/api/v1/petitions/{slug}/signatures"

    def post(**kwargs):
        return client.post(url, environ_base={"REMOTE_ADDR": fresh_address()}, **kwargs)

    assert post(data="name=x").status_code == 415
    bad = post(data=b'{"name": "\xff"}', content_type="application/json")
    assert bad.status_code == 400 and bad.json["error"]["code"] == 400
    assert post(json=["a", "list"]).status_code == 400
    huge = post(json={"name": "x" * 100_000})
    assert huge.status_code == 413 and huge.json["error"]["code"] == 413


@pytest.mark.parametrize(
    "body",
    [
        b"[" * 30_000,
        b'{"name": ' + b"[" * 30_000 + b"]" * 30_000 + b"}",
        b'{"name": ' + b'{"a": ' * 5_000 + b"1" + b"}" * 5_000 + b"}",
        b"{" * 60_000,
    ],
)
def test_deeply_nested_json_is_a_400_never_a_500(client, slug, body):
    response = client.post(f"/api/v1/petitions/{slug}/signatures", data=body,
                           content_type="application/json",
                           environ_base={"REMOTE_ADDR": fresh_address()})  # fmt: skip
    assert response.status_code == 400
    assert response.json["error"]["code"] == 400


def test_moderately_nested_values_are_field_errors(client, slug):
    response = _sign(client, slug, name={"a": {"b": [[["x"]]]}}, city=[[1]])
    assert response.status_code == 422
    assert set(response.json["errors"]) == {"name", "city"}


@pytest.mark.parametrize("email", ["zoe@mailinator.com", "zoe@eu.mailinator.com",
                                   "ZOE@Guerrillamail.com"])  # fmt: skip
def test_throw_away_mail_domains_are_refused_clearly(app, client, slug, email):
    response = _sign(client, slug, email=email)
    assert response.status_code == 422
    assert "throw-away" in response.json["errors"]["email"][0]
    vietnamese = client.post(f"/api/v1/petitions/{slug}/signatures?lang=vi",
                             json={"email": email}).json["errors"]["email"][0]  # fmt: skip
    assert "throw-away" not in vietnamese


def test_a_closed_petition_is_410(app, client):
    with app.app_context():
        petition = make_petition()
        db.session.commit()
        slug, petition_id = petition.slug, petition.id
    token = client.get(f"/api/v1/petitions/{slug}").json["form_token"]
    with app.app_context():
        closed = db.session.get(Petition, petition_id)
        closed.status, closed.update_message = PetitionStatus.VICTORY, "She is free."
        db.session.commit()
    response = client.post(f"/api/v1/petitions/{slug}/signatures",
                           json={"name": "x", "form_token": token})  # fmt: skip
    assert response.status_code == 410
    assert response.json["error"]["message"] == "She is free."


def test_the_api_shares_the_form_rate_limits(client, slug):
    assert _sign(client, slug, address="203.0.113.20").status_code == 202
    form = post_signature(client, slug, address="203.0.113.20", email="form@example.org")
    assert form.status_code == 429
    again = _sign(client, slug, address="203.0.113.20", email="other@example.org")
    assert again.status_code == 429
    assert again.json["error"]["code"] == 429
    assert int(again.headers["Retry-After"]) >= 1


def test_the_honeypot_is_answered_like_a_success(app, client, slug):
    assert _sign(client, slug, website="x").status_code == 202
    with app.app_context():
        assert db.session.scalar(select(Signature)) is None


def test_cors_lets_campaign_sites_use_the_public_api(client, slug):
    response = client.get(
        f"/api/v1/petitions/{slug}", headers={"Origin": "https://campaign.example"}
    )
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    preflight = client.options(
        f"/api/v1/petitions/{slug}/signatures",
        headers={
            "Origin": "https://campaign.example",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "Content-Type",
        },  # fmt: skip
    )
    assert preflight.status_code == 200
    assert "POST" in preflight.headers["Access-Control-Allow-Methods"]
    assert "Access-Control-Allow-Origin" not in client.get(f"/p/{slug}").headers


def test_openapi_document_describes_the_api(client):
    document = client.get("/api/v1/openapi.json").json
    assert document["openapi"].startswith("3.")
    paths = document["paths"]
    assert set(paths) == {
        "/api/v1/petitions",
        "/api/v1/petitions/{slug}",
        "/api/v1/petitions/{slug}/signatures",
        "/api/v1/petitions/{slug}/count",
        "/api/v1/petitions/{slug}/challenge",
        "/api/v1/organisations/{slug}",
        "/api/v1/organisations/{slug}/signatures",
        "/api/v1/organisations/{slug}/challenge",
    }
    several = paths["/api/v1/organisations/{slug}/signatures"]["post"]
    assert {"202", "422", "429", "410"} <= set(several["responses"])
    sign = paths["/api/v1/petitions/{slug}/signatures"]["post"]
    assert {"202", "422", "429", "410"} <= set(sign["responses"])
    assert "requestBody" in sign
    # The proof of work is stated: the field, and the challenge it solves.
    schemas = document["components"]["schemas"]
    signature_in = next(s for name, s in schemas.items() if name.startswith("SignatureIn"))
    assert "altcha" in signature_in["properties"]
    challenge = paths["/api/v1/petitions/{slug}/challenge"]["get"]
    assert "200" in challenge["responses"]
