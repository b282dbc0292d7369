"""The proof of work (ALTCHA) in the API and the form: when it is due, what it refuses."""

from __future__ import annotations

import base64
import json

import pytest
from altcha import solve_challenge_v1
from sqlalchemy import func, select

from petition_service.extensions import db
from petition_service.models import Signature
from tests.factories import make_petition
from tests.signatures.helpers import fresh_address, post_signature


@pytest.fixture
def slug(app):
    with app.app_context():
        petition = make_petition()
        db.session.commit()
        return petition.slug


@pytest.fixture
def always(app, monkeypatch):
    monkeypatch.setitem(app.config, "SIGN_CHALLENGE", "always")
    # Small, so the tests solve in milliseconds; the cost is measured in bench/.
    monkeypatch.setitem(app.config, "SIGN_CHALLENGE_MAX_NUMBER", 2000)


def _challenge(client, slug) -> dict:
    response = client.get(f"/api/v1/petitions/{slug}/challenge")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    return response.json


def solved(challenge: dict, **changes) -> str:
    solution = solve_challenge_v1(challenge["challenge"], challenge["salt"],
                                  challenge["algorithm"], challenge["maxNumber"])  # fmt: skip
    payload = {"algorithm": challenge["algorithm"], "challenge": challenge["challenge"],
               "number": solution.number, "salt": challenge["salt"],
               "signature": challenge["signature"], **changes}  # fmt: skip
    return base64.b64encode(json.dumps(payload).encode()).decode()


def _sign(client, slug, *, altcha=None, email="zoe@example.org", address=None):
    token = client.get(f"/api/v1/petitions/{slug}").json["form_token"]
    body = {"name": "Zoë", "email": email, "country": "IS", "consent": True,
            "form_token": token}  # fmt: skip
    if altcha is not None:
        body["altcha"] = altcha
    return client.post(f"/api/v1/petitions/{slug}/signatures", json=body,
                       environ_base={"REMOTE_ADDR": address or fresh_address()})  # fmt: skip


def _count(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Signature))


def test_the_challenge_is_altcha_json(client, slug, always):
    challenge = _challenge(client, slug)
    assert set(challenge) >= {"algorithm", "challenge", "maxnumber", "salt", "signature"}
    assert challenge["algorithm"] == "SHA-256" and challenge["maxnumber"] == 2000
    assert "expires=" in challenge["salt"]
    assert client.get("/api/v1/petitions/no-such/challenge").status_code == 404


def test_a_right_solution_signs_once(app, client, slug, always):
    payload = solved(_challenge(client, slug))
    assert _sign(client, slug, altcha=payload).status_code == 202
    reused = _sign(client, slug, altcha=payload, email="other@example.org")
    assert reused.status_code == 422
    assert set(reused.json["errors"]) == {"altcha"}
    assert _count(app) == 1


@pytest.mark.parametrize(
    "altcha",
    [
        None,  # missing
        "",
        "not base64 at all!",
        base64.b64encode(b"[1, 2, 3]").decode(),
        base64.b64encode(b'{"number": "1"}').decode(),
    ],
)
def test_missing_or_malformed_solutions_are_422_on_altcha(app, client, slug, always, altcha):
    response = _sign(client, slug, altcha=altcha)
    assert response.status_code == 422
    assert "altcha" in response.json["errors"]
    assert _count(app) == 0


def test_a_wrong_number_is_refused(app, client, slug, always):
    challenge = _challenge(client, slug)
    right = json.loads(base64.b64decode(solved(challenge)))
    wrong = solved(challenge, number=(right["number"] + 1) % 2001)
    assert _sign(client, slug, altcha=wrong).status_code == 422
    assert _count(app) == 0


def test_a_forged_challenge_is_refused(app, client, slug, always):
    from altcha import ChallengeOptionsV1, create_challenge_v1

    # Made with another key (an attacker's own cheap challenge), or for another petition.
    forged = create_challenge_v1(ChallengeOptionsV1(hmac_key=b"not ours", max_number=10))
    assert _sign(client, slug, altcha=solved(forged.to_dict())).status_code == 422
    with app.app_context():
        other = make_petition().slug
        db.session.commit()
    for_other = solved(_challenge(client, other))
    assert _sign(client, slug, altcha=for_other).status_code == 422
    # The salt of a real challenge with our signature but a changed expiry.
    challenge = _challenge(client, slug)
    stretched = solved(challenge, salt=challenge["salt"].replace("expires=", "expires=9"))
    assert _sign(client, slug, altcha=stretched).status_code == 422
    assert _count(app) == 0


def test_an_expired_challenge_is_refused(app, client, slug, always, monkeypatch):
    monkeypatch.setitem(app.config, "SIGN_CHALLENGE_TTL_SECONDS", -5)
    assert _sign(client, slug, altcha=solved(_challenge(client, slug))).status_code == 422


def test_the_form_refused_for_its_challenge_keeps_the_values(app, client, slug, always):
    response = post_signature(client, slug, name="Trần Thị Hoa")
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "security check" in html and 'value="Trần Thị Hoa"' in html
    payload = solved(_challenge(client, slug))
    assert post_signature(client, slug, altcha=payload).status_code == 303


def test_off_mode_needs_nothing_and_ignores_a_bad_payload(app, client, slug):
    assert app.config["SIGN_CHALLENGE"] == "off"
    assert _sign(client, slug, altcha="garbage").status_code == 202


def test_surge_mode_asks_only_while_a_network_signs_unusually_fast(app, client, slug,
                                                                   monkeypatch):  # fmt: skip
    monkeypatch.setitem(app.config, "SIGN_CHALLENGE", "surge")
    monkeypatch.setitem(app.config, "SIGN_CHALLENGE_MAX_NUMBER", 2000)
    monkeypatch.setitem(app.config, "SIGN_SURGE_PER_NETWORK", "3 per minute")
    addresses = [f"192.0.2.{number}" for number in range(1, 6)]
    statuses = [_sign(client, slug, email=f"s{n}@example.org", address=a).status_code
                for n, a in enumerate(addresses)]  # fmt: skip
    # Three signatures at a normal pace need nothing; from the fourth on, a challenge is due.
    assert statuses == [202, 202, 202, 422, 422]
    # A refused one counted nothing, so a solution gets through now.
    payload = solved(_challenge(client, slug))
    assert _sign(client, slug, email="s9@example.org", address="192.0.2.9",
                 altcha=payload).status_code == 202  # fmt: skip
    # Another network is not surging: nothing due there.
    assert _sign(client, slug, email="t@example.org", address="198.51.100.1").status_code == 202
    assert _count(app) == 5


def test_surge_mode_asks_everyone_while_the_petition_signs_unusually_fast(app, client, slug,
                                                                          monkeypatch):  # fmt: skip
    monkeypatch.setitem(app.config, "SIGN_CHALLENGE", "surge")
    monkeypatch.setitem(app.config, "SIGN_SURGE_PER_PETITION", "2 per minute")
    assert [_sign(client, slug, email=f"p{n}@example.org").status_code
            for n in range(3)] == [202, 202, 422]  # fmt: skip
