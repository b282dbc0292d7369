from __future__ import annotations

from sqlalchemy import select

from petition_service.extensions import db
from petition_service.models import ApiToken, StaffUser
from petition_service.staff.service import hash_password
from tests.factories import make_api_token, make_organisation, make_staff_user
from tests.staff.conftest import csrf_from, login, page_token


def _user(app, **fields):
    with app.app_context():
        user = make_staff_user(make_organisation(name="Defend the Defenders"), **fields)
        db.session.commit()
        return user.email, user.id


def test_login_with_the_right_password_opens_the_dashboard(app, client):
    email, _ = _user(app)
    response = login(client, email.upper())
    assert response.status_code == 303
    assert response.headers["Location"] == "/staff/"
    page = client.get("/staff/")
    assert page.status_code == 200
    assert "Defend the Defenders" in page.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(StaffUser.last_login_at)) is not None


def test_login_cookie_is_httponly_and_samesite(app, client):
    email, _ = _user(app)
    response = login(client, email)
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_wrong_password_and_unknown_email_get_the_same_answer(app, client):
    email, _ = _user(app)
    wrong = login(client, email, "not the password")
    unknown = login(client, "nobody@example.org", "not the password")
    for response in (wrong, unknown):
        assert response.status_code == 200
        assert "Wrong email or password." in response.get_data(as_text=True)
    assert client.get("/staff/").status_code == 303


def test_inactive_staff_cannot_log_in(app, client):
    email, _ = _user(app, is_active=False)
    assert login(client, email).status_code == 200
    assert client.get("/staff/").status_code == 303


def test_login_without_csrf_token_is_refused(app, client):
    email, _ = _user(app)
    client.get("/staff/login")
    response = client.post("/staff/login", data={"email": email, "password": "x" * 12})
    assert response.status_code == 400
    assert client.get("/staff/").status_code == 303


def test_login_attempts_are_limited_per_address_with_retry_after(app, client):
    email, _ = _user(app)
    for _attempt in range(5):
        assert login(client, email, "wrong password").status_code == 200
    response = login(client, email)  # even the right password waits now
    assert response.status_code == 429
    assert int(response.headers["Retry-After"]) > 0
    json = login(client, email, Accept="application/json")
    assert json.status_code == 429 and json.json["error"]["code"] == 429


def test_others_failures_never_lock_the_owner_out(app, monkeypatch):
    email, _ = _user(app)
    monkeypatch.setitem(app.config, "STAFF_LOGIN_FAILURES_PER_ACCOUNT", "3 per hour")

    def client_at(address):
        client = app.test_client()
        client.environ_base["REMOTE_ADDR"] = address
        return client

    # Twenty wrong passwords from four addresses: the account is over its limit...
    attackers = [client_at(f"198.51.100.{number}") for number in range(4)]
    for attempt in range(20):
        login(attackers[attempt % 4], email, "wrong password")
    # ...so an address that has failed waits, even with the right password...
    refused = login(attackers[0], email)
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) > 0
    # ...but the owner, from an address that has not failed, logs in.
    assert login(client_at("203.0.113.9"), email).status_code == 303
    # An IPv6 attacker's neighbouring address in the same /64 is the same client.
    for _attempt in range(5):
        login(client_at("2001:db8:1:2::10"), email, "wrong password")
    assert login(client_at("2001:db8:1:2::99"), email).status_code == 429
    assert login(client_at("2001:db8:1:3::99"), email).status_code == 303


def test_next_parameter_only_leads_to_this_site(app, client):
    email, _ = _user(app)
    token = csrf_from(client.get("/staff/login").get_data(as_text=True))
    response = client.post(
        "/staff/login?next=https://evil.example.org/",
        data={"email": email, "password": "correct horse battery staple", "csrf_token": token},
    )
    assert response.headers["Location"] == "/staff/"


def test_anonymous_browser_is_sent_to_the_login_page_and_back(app, client):
    email, _ = _user(app)
    response = client.get("/staff/tokens")
    assert response.status_code == 303
    assert response.headers["Location"] == "/staff/login?next=/staff/tokens"
    token = csrf_from(client.get(response.headers["Location"]).get_data(as_text=True))
    after = client.post(
        "/staff/login?next=/staff/tokens",
        data={"email": email, "password": "correct horse battery staple", "csrf_token": token},
    )
    assert after.headers["Location"] == "/staff/tokens"


def test_anonymous_json_client_gets_401(client):
    response = client.get("/staff/", headers={"Accept": "application/json"})
    assert response.status_code == 401
    assert response.json["error"]["code"] == 401
    assert response.headers["WWW-Authenticate"].lower().startswith("bearer")


def test_logout_is_a_post_with_csrf(app, client):
    email, _ = _user(app)
    login(client, email)
    assert client.get("/staff/logout").status_code == 405
    assert client.post("/staff/logout").status_code == 400  # no CSRF token
    assert client.get("/staff/").status_code == 200
    response = client.post("/staff/logout", data={"csrf_token": page_token(client)})
    assert response.status_code == 303
    assert client.get("/staff/").status_code == 303


def test_a_new_password_ends_existing_sessions(app, client):
    email, user_id = _user(app)
    login(client, email)
    with app.app_context():
        db.session.get(StaffUser, user_id).password_hash = hash_password("a brand new password")
        db.session.commit()
    assert client.get("/staff/").status_code == 303


def _token(app, **fields):
    with app.app_context():
        user = make_staff_user(make_organisation(name="Token org"), **fields)
        secret = make_api_token(user, "script")
        db.session.commit()
        return secret


def test_bearer_token_works_without_session_or_csrf(app, client):
    secret = _token(app)
    response = client.get("/staff/", headers={"Authorization": f"Bearer {secret}"})
    assert response.status_code == 200
    assert "Token org" in response.get_data(as_text=True)
    assert "Set-Cookie" not in response.headers
    # An unsafe method with a token needs no CSRF token either.
    created = client.post(
        "/staff/tokens", data={"name": "another"}, headers={"Authorization": f"Bearer {secret}"}
    )
    assert created.status_code == 200
    with app.app_context():
        token = db.session.scalar(select(ApiToken).where(ApiToken.name == "script"))
        assert token.last_used_at is not None


def test_wrong_revoked_and_missing_tokens_are_401(app, client):
    secret = _token(app)
    for header in ("Bearer pst_wrong", "Bearer ", "Bearer " + secret[:-1]):
        response = client.get("/staff/", headers={"Authorization": header})
        assert response.status_code == 401, header
        assert response.headers["WWW-Authenticate"].lower().startswith("bearer")
    with app.app_context():
        db.session.scalar(select(ApiToken)).revoked_at = db.func.now()
        db.session.commit()
    revoked = client.get(
        "/staff/", headers={"Authorization": f"Bearer {secret}", "Accept": "application/json"}
    )
    assert revoked.status_code == 401
    assert revoked.json["error"]["code"] == 401


def test_token_of_an_inactive_member_is_refused(app, client):
    secret = _token(app, is_active=False)
    assert client.get("/staff/", headers={"Authorization": f"Bearer {secret}"}).status_code == 401


def test_tokens_page_shows_a_new_secret_once_and_revokes(app, member):
    response = member.post("/staff/tokens", {"name": "nightly export"}, page="/staff/tokens")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    html = response.get_data(as_text=True)
    secret = html.split('id="new-token" class="snippet" readonly value="')[1].split('"')[0]
    assert secret.startswith("pst_")
    listing = member.client.get("/staff/tokens").get_data(as_text=True)
    assert secret not in listing and "nightly export" in listing

    bearer = {"Authorization": f"Bearer {secret}"}
    assert member.client.application.test_client().get("/staff/", headers=bearer).status_code == 200
    with app.app_context():
        token_id = db.session.scalar(select(ApiToken.id).where(ApiToken.name == "nightly export"))
    revoke = member.post(f"/staff/tokens/{token_id}/revoke", page="/staff/tokens")
    assert revoke.status_code == 303
    assert app.test_client().get("/staff/", headers=bearer).status_code == 401


def test_cli_revoke_token_by_prefix(app):
    secret = _token(app)
    runner = app.test_cli_runner()
    result = runner.invoke(args=["staff", "revoke-token", secret[:12]])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[-1] == secret[:12]
    assert (
        app.test_client().get("/staff/", headers={"Authorization": f"Bearer {secret}"}).status_code
        == 401
    )
    assert runner.invoke(args=["staff", "revoke-token", "pst_nothing"]).exit_code == 1
