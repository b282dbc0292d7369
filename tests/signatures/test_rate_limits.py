from __future__ import annotations

import pytest
from sqlalchemy import func, select

from petition_service.extensions import db
from petition_service.models import Signature
from tests.conftest import make_test_app
from tests.factories import make_petition
from tests.signatures.helpers import form_token, post_signature


@pytest.fixture
def slug(app):
    with app.app_context():
        petition = make_petition()
        db.session.commit()
        return petition.slug


def _count(app):
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Signature))


def _statuses(client, slug: str, address: str, count: int, token: str) -> list[int]:
    """`count` signatures, each with a new email, from one client address."""
    return [
        post_signature(
            client, slug, address=address, token=token, email=f"{address}-{i}@example.org"
        ).status_code  # fmt: skip
        for i in range(count)
    ]


def test_one_client_hammering_gets_429_with_retry_after(app, client, slug):
    token = form_token(client, slug)
    statuses = _statuses(client, slug, "203.0.113.9", 10, token)
    # The contract: refused before the tenth signature in a minute. Here: 1 per 10 s.
    assert statuses[0] == 303
    assert statuses[1:] == [429] * 9
    response = post_signature(client, slug, address="203.0.113.9", token=token)
    assert response.status_code == 429
    assert 1 <= int(response.headers["Retry-After"]) <= 11  # the 10 s window, rounded up
    assert "Please wait a little" in response.get_data(as_text=True)
    assert _count(app) == 1


def test_the_sustained_rule_holds_when_bursts_are_spaced(app, client, slug, monkeypatch):
    monkeypatch.setitem(app.config, "SIGN_LIMITS_PER_CLIENT", "100 per second; 5 per 5 minutes")
    statuses = _statuses(client, slug, "203.0.113.10", 7, form_token(client, slug))
    assert statuses == [303] * 5 + [429] * 2


def test_distinct_clients_are_not_throttled(app, client, slug):
    token = form_token(client, slug)
    statuses = {
        post_signature(client, slug, token=token, email=f"c{i}@example.org").status_code
        for i in range(20)
    }
    assert statuses == {303}
    assert _count(app) == 20


def test_the_same_client_may_sign_other_petitions(app, client, slug):
    with app.app_context():
        other = make_petition().slug
        db.session.commit()
    assert post_signature(client, slug, address="203.0.113.11").status_code == 303
    assert post_signature(client, other, address="203.0.113.11").status_code == 303


def test_the_petition_ceiling_holds_for_everyone_together(app, client, slug, monkeypatch):
    monkeypatch.setitem(app.config, "SIGN_LIMIT_PER_PETITION", "3 per minute")
    token = form_token(client, slug)
    statuses = [
        post_signature(client, slug, token=token, email=f"g{i}@example.org").status_code
        for i in range(5)
    ]
    assert statuses == [303, 303, 303, 429, 429]


def test_a_forged_forwarded_for_changes_nothing_without_trusted_proxies(app, client, slug):
    token = form_token(client, slug)
    statuses = []
    for i in range(3):
        response = client.post(
            f"/p/{slug}/sign",
            data={
                "name": "x",
                "email": f"f{i}@example.org",
                "country": "VN",
                "consent": "on",
                "form_token": token,
            },  # fmt: skip
            headers={"X-Forwarded-For": f"192.0.2.{i}"},
            environ_base={"REMOTE_ADDR": "203.0.113.12"},
        )
        statuses.append(response.status_code)
    assert statuses == [303, 429, 429]


def test_behind_one_trusted_proxy_the_forwarded_address_is_the_client(backend, tmp_path):
    if backend != "sqlite":
        pytest.skip("one backend is enough for the proxy rule")
    import flask_migrate

    app = make_test_app(f"sqlite:///{tmp_path}/p.db", tmp_path / "instance", TRUSTED_PROXY_HOPS=1)
    with app.app_context():
        flask_migrate.upgrade()
        slug = make_petition().slug
        db.session.commit()
    client = app.test_client()
    token = form_token(client, slug)

    def post(forwarded_for, email):
        return client.post(
            f"/p/{slug}/sign",
            data={
                "name": "x",
                "email": email,
                "country": "VN",
                "consent": "on",
                "form_token": token,
            },  # fmt: skip
            headers={"X-Forwarded-For": forwarded_for},
            environ_base={"REMOTE_ADDR": "10.0.0.1"},  # the proxy
        ).status_code

    assert post("192.0.2.1", "a@example.org") == 303
    assert post("192.0.2.2", "b@example.org") == 303  # another client behind the same proxy
    assert post("192.0.2.1", "c@example.org") == 429
    # A client cannot escape by prepending its own X-Forwarded-For entries.
    assert post("198.51.100.1, 192.0.2.1", "d@example.org") == 429
    with app.app_context():
        db.engine.dispose()


def test_limits_are_shared_by_every_process(app, backend, tmp_path):
    """The default storage is a file: a second app (another worker process) sees the counts."""
    if backend != "sqlite":
        pytest.skip("one backend is enough for the storage rule")
    from limits import parse
    from limits.storage import storage_from_string
    from limits.strategies import FixedWindowRateLimiter

    uri = f"sqlite:///{tmp_path}/shared-limits.db"
    first = FixedWindowRateLimiter(storage_from_string(uri))
    second = FixedWindowRateLimiter(storage_from_string(uri))
    rule = parse("3 per minute")
    assert [first.hit(rule, "k"), second.hit(rule, "k"), first.hit(rule, "k")] == [True] * 3
    assert second.hit(rule, "k") is False


def test_a_signer_who_corrects_a_mistake_is_not_told_to_wait(app, client, slug):
    token = form_token(client, slug)
    mistyped = post_signature(client, slug, address="203.0.113.40", token=token, email="hoa@")
    assert mistyped.status_code == 422
    corrected = post_signature(client, slug, address="203.0.113.40", token=token)
    assert corrected.status_code == 303
    assert _count(app) == 1


def test_a_rule_given_twice_is_one_window(app, client, slug, monkeypatch):
    monkeypatch.setitem(app.config, "SIGN_LIMITS_PER_CLIENT", "2 per minute; 2 per minute")
    statuses = _statuses(client, slug, "203.0.113.41", 3, form_token(client, slug))
    assert statuses == [303, 303, 429]
