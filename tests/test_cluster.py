"""Two app servers (separate gunicorn processes) sharing one database and one Redis."""

from __future__ import annotations

import os
import threading

import pytest
import redis
import requests
from sqlalchemy import func, select

from petition_service.extensions import db
from petition_service.models import Signature
from tests.conftest import make_test_app
from tests.databases import fresh_database
from tests.factories import make_petition
from tests.servers import app_server, migrate, service_environment

REDIS_URL = os.environ.get("TEST_REDIS_URL")
pytestmark = pytest.mark.skipif(
    not REDIS_URL, reason="cluster tests need TEST_REDIS_URL (e.g. redis://127.0.0.1:6379/15)"
)


@pytest.fixture
def cluster(backend, tmp_path):
    redis.Redis.from_url(REDIS_URL).flushdb()
    with fresh_database(backend, tmp_path) as database_url:
        migrate(database_url, tmp_path / "setup")
        app = make_test_app(database_url, tmp_path / "setup")
        with app.app_context():
            slug = make_petition().slug
            db.session.commit()
        env = service_environment(database_url, tmp_path / "instance", REDIS_URL=REDIS_URL,
                                  TRUSTED_PROXY_HOPS="1")  # fmt: skip
        with app_server(env) as first, app_server(env) as second:
            yield app, first, second, slug
        with app.app_context():
            db.engine.dispose()
    redis.Redis.from_url(REDIS_URL).flushdb()


def _sign(base, slug, client_address, email):
    token = requests.get(f"{base}/api/v1/petitions/{slug}", timeout=10).json()["form_token"]
    body = {"name": "Lê Văn Tám", "email": email, "country": "VN", "consent": True,
            "form_token": token}  # fmt: skip
    return requests.post(f"{base}/api/v1/petitions/{slug}/signatures", json=body, timeout=10,
                         headers={"X-Forwarded-For": client_address})  # fmt: skip


def test_one_clients_limit_holds_across_both_servers(cluster):
    app, first, second, slug = cluster
    assert _sign(first, slug, "203.0.113.60", "a@example.org").status_code == 202
    refused = _sign(second, slug, "203.0.113.60", "b@example.org")
    assert refused.status_code == 429
    assert int(refused.headers["Retry-After"]) >= 1
    assert _sign(second, slug, "203.0.113.61", "c@example.org").status_code == 202
    keys = redis.Redis.from_url(REDIS_URL).keys("*")
    assert keys and not any(b"203.0.113" in key for key in keys), "hashed clients only"


def test_the_same_email_at_the_same_moment_on_both_servers_is_one_signature(cluster):
    app, first, second, slug = cluster
    barrier = threading.Barrier(6)
    statuses = []

    def sign(base, number):
        barrier.wait()
        statuses.append(_sign(base, slug, f"198.51.100.{number}", "Same@Example.org").status_code)

    threads = [threading.Thread(target=sign, args=(base, n))
               for n, base in enumerate([first, second] * 3)]  # fmt: skip
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert statuses == [202] * 6
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Signature)) == 1
