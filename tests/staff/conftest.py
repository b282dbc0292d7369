from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from flask.testing import FlaskClient

from petition_service.extensions import db, limiter
from petition_service.models import Organisation, Petition
from tests.factories import (
    STAFF_PASSWORD,
    make_organisation,
    make_petition,
    make_staff_user,
)

_CSRF = re.compile(r'name="csrf_token"(?: type="hidden")? value="([^"]+)"')


def csrf_from(html: str) -> str:
    match = _CSRF.search(html)
    assert match, "the page has no CSRF token"
    return match.group(1)


def page_token(client: FlaskClient, path: str = "/staff/") -> str:
    """The CSRF token a browser would find in a page's forms."""
    return csrf_from(client.get(path).get_data(as_text=True))


def login(client: FlaskClient, email: str, password: str = STAFF_PASSWORD, **headers):
    token = csrf_from(client.get("/staff/login").get_data(as_text=True))
    return client.post(
        "/staff/login",
        data={"email": email, "password": password, "csrf_token": token},
        headers=headers,
    )


@dataclass
class Member:
    """A logged-in staff member: their ids and a test client holding their session."""

    email: str
    user_id: int
    organisation_id: int
    client: FlaskClient

    def post(self, path: str, data: dict | None = None, page: str = "/staff/", **kwargs):
        payload = {"csrf_token": page_token(self.client, page), **(data or {})}
        return self.client.post(path, data=payload, **kwargs)


@pytest.fixture(autouse=True)
def _fresh_rate_limits(request) -> Iterator[None]:
    # Limits are counted per client address, and every test client is 127.0.0.1.
    if "app" in request.fixturenames:
        limiter.reset()
    yield


def _member(app, role: str = "admin") -> Member:
    with app.app_context():
        organisation = make_organisation()
        user = make_staff_user(organisation, role=role)
        db.session.commit()
        email, user_id, organisation_id = user.email, user.id, organisation.id
    client = app.test_client()
    response = login(client, email)
    assert response.status_code == 303, response.get_data(as_text=True)
    return Member(email, user_id, organisation_id, client)


@pytest.fixture
def member(app) -> Member:
    return _member(app)


@pytest.fixture
def staff_member(app) -> Member:
    return _member(app, role="staff")


def own_petition(app, member: Member, **fields) -> Petition:
    """A petition of the member's organisation (detached; read its plain attributes)."""
    with app.app_context():
        organisation = db.session.get(Organisation, member.organisation_id)
        petition = make_petition(organisation=organisation, **fields)
        db.session.commit()
        petition.recipients  # noqa: B018  (load them before the session closes)
        db.session.expunge(petition)
        return petition
