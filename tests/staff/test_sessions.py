"""Staff sessions that end: logout, a new password, deactivation, idle and absolute lifetimes."""

from __future__ import annotations

import time

import pytest
from sqlalchemy import select

from petition_service.extensions import db
from petition_service.models import ApiToken, StaffUser
from tests.factories import make_api_token, make_staff_user
from tests.staff.conftest import _member, login, page_token


def _cookie(client) -> str:
    return client.get_cookie("session").value


def _replay(app, cookie: str, path: str = "/staff/petitions/x/signatures.csv"):
    """A new browser presenting a copied session cookie."""
    thief = app.test_client()
    thief.set_cookie("session", cookie)
    return thief.get(path)


def test_logout_ends_the_session_for_good(app, member):
    cookie = _cookie(member.client)
    assert _replay(app, cookie, "/staff/").status_code == 200
    member.post("/staff/logout")
    # The cookie as it was before logging out, replayed: refused, like no cookie at all.
    replayed = _replay(app, cookie, "/staff/")
    assert replayed.status_code == 303
    assert replayed.headers["Location"].startswith("/staff/login")


def _bearer(app, member) -> str:
    with app.app_context():
        secret = make_api_token(db.session.get(StaffUser, member.user_id))
        db.session.commit()
    return secret


def _token_works(app, secret: str) -> bool:
    response = app.test_client().get("/staff/", headers={"Authorization": f"Bearer {secret}"})
    return response.status_code == 200


@pytest.mark.parametrize("command", ["set-password", "deactivate"])
def test_cli_ends_every_session_and_token(app, member, command):
    secret = _bearer(app, member)
    cookie = _cookie(member.client)
    assert _token_works(app, secret)
    result = app.test_cli_runner().invoke(
        args=["staff", command, member.email], input="a completely new password\n"
    )
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[-1] == member.email
    assert _replay(app, cookie, "/staff/").status_code == 303
    assert not _token_works(app, secret)
    with app.app_context():
        assert db.session.scalar(select(ApiToken.revoked_at)) is not None
    fresh = app.test_client()
    if command == "deactivate":
        assert login(fresh, member.email, "a completely new password").status_code == 200
        assert login(fresh, member.email).status_code == 200  # a deactivated member: never
    else:
        assert login(fresh, member.email).status_code == 200  # the old password is gone
        assert login(fresh, member.email, "a completely new password").status_code == 303


def test_cli_set_password_refuses_a_short_one_and_unknown_members(app, member):
    runner = app.test_cli_runner()
    short = runner.invoke(args=["staff", "set-password", member.email], input="short\n")
    assert short.exit_code == 1 and "at least 10 characters" in short.stderr
    unknown = runner.invoke(args=["staff", "deactivate", "nobody@example.org"])
    assert unknown.exit_code == 1 and "no staff member" in unknown.stderr
    assert _replay(app, _cookie(member.client), "/staff/").status_code == 200


def test_an_admin_ends_a_members_access_from_the_staff_page(app, member):
    with app.app_context():
        colleague = make_staff_user(db.session.get(StaffUser, member.user_id).organisation,
                                    role="staff")  # fmt: skip
        db.session.commit()
        colleague_id, colleague_email = colleague.id, colleague.email
    other = app.test_client()
    assert login(other, colleague_email).status_code == 303
    cookie = _cookie(other)
    page = member.client.get("/staff/members")
    assert page.status_code == 200 and colleague_email in page.get_data(as_text=True)

    response = member.post(f"/staff/members/{colleague_id}/deactivate", page="/staff/members")
    assert response.status_code == 303
    assert _replay(app, cookie, "/staff/").status_code == 303
    assert login(app.test_client(), colleague_email).status_code == 200

    member.post(f"/staff/members/{colleague_id}/reactivate", page="/staff/members")
    new = {"password": "chosen by the admin"}
    assert member.post(f"/staff/members/{colleague_id}/password", new,
                       page="/staff/members").status_code == 303  # fmt: skip
    assert login(app.test_client(), colleague_email, "chosen by the admin").status_code == 303
    # The admin's own session is untouched by all this.
    assert member.client.get("/staff/").status_code == 200


def test_only_admins_see_the_members_page(app):
    staff = _member(app, role="staff")
    assert staff.client.get("/staff/members").status_code == 403
    assert staff.post("/staff/members/1/deactivate").status_code == 403


def _age_session(client, opened_ago: int, seen_ago: int) -> None:
    now = int(time.time())
    with client.session_transaction() as session:
        session["staff_opened_at"] = now - opened_ago
        session["staff_seen_at"] = now - seen_ago


def test_an_idle_session_ends(app, member, monkeypatch):
    monkeypatch.setitem(app.config, "STAFF_SESSION_IDLE_MINUTES", 30)
    _age_session(member.client, opened_ago=40 * 60, seen_ago=29 * 60)
    assert member.client.get("/staff/").status_code == 200  # active a minute ago: still on
    _age_session(member.client, opened_ago=40 * 60, seen_ago=31 * 60)
    response = member.client.get("/staff/")
    assert response.status_code == 303
    assert "Your session has ended" in member.client.get(response.headers["Location"]).get_data(
        as_text=True
    )


def test_a_session_ends_after_its_absolute_lifetime_however_active(app, member, monkeypatch):
    monkeypatch.setitem(app.config, "STAFF_SESSION_MAX_HOURS", 8)
    _age_session(member.client, opened_ago=8 * 3600 + 1, seen_ago=5)
    assert member.client.get("/staff/").status_code == 303


def test_logging_in_again_starts_a_fresh_session(app, member):
    cookie_before = _cookie(member.client)
    member.post("/staff/logout")
    assert login(member.client, member.email).status_code == 303
    assert member.client.get("/staff/").status_code == 200
    assert _cookie(member.client) != cookie_before
    assert page_token(member.client)
