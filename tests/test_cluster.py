"""Two app servers (separate gunicorn processes) sharing one database and one Redis."""

from __future__ import annotations

import io
import json
import os
import signal
import subprocess
import threading
import time
import zipfile

import pytest
import redis
import requests
from sqlalchemy import func, select

from petition_service.extensions import db
from petition_service.models import Signature
from tests.conftest import make_test_app
from tests.databases import fresh_database
from tests.factories import make_petition
from tests.servers import (
    REPO,
    VENV_BIN,
    app_server,
    migrate,
    service_environment,
    worker_process,
)

REDIS_URL = os.environ.get("TEST_REDIS_URL")
pytestmark = pytest.mark.skipif(
    not REDIS_URL, reason="cluster tests need TEST_REDIS_URL (e.g. redis://127.0.0.1:6379/15)"
)


@pytest.fixture
def cluster_env(backend, tmp_path):
    """A migrated database, and the environment every process of the cluster shares."""
    redis.Redis.from_url(REDIS_URL).flushdb()
    with fresh_database(backend, tmp_path) as database_url:
        migrate(database_url, tmp_path / "setup")
        app = make_test_app(database_url, tmp_path / "setup")
        env = service_environment(database_url, tmp_path / "instance", REDIS_URL=REDIS_URL,
                                  TRUSTED_PROXY_HOPS="1", BATCH_LEASE_SECONDS="3")  # fmt: skip
        yield app, env
        with app.app_context():
            db.engine.dispose()
    redis.Redis.from_url(REDIS_URL).flushdb()


@pytest.fixture
def cluster(cluster_env):
    """Two app servers and an open petition."""
    app, env = cluster_env
    with app.app_context():
        slug = make_petition().slug
        db.session.commit()
    with app_server(env) as first, app_server(env) as second:
        yield app, first, second, slug


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


def _staff_with_signatures(app, signatures: int) -> tuple[str, dict[str, str]]:
    from petition_service.demo.loader import add_synthetic_signatures
    from tests.factories import make_api_token, make_organisation, make_staff_user

    with app.app_context():
        organisation = make_organisation()
        petition = make_petition(
            organisation=organisation,
            recipients=[
                {"name": "Nguyễn Phú Trọng", "title": "State President"},
                {"name": "Nguyễn Đình Ba", "title": "Prison Director"},
            ],
        )
        add_synthetic_signatures(petition, signatures)
        token = make_api_token(make_staff_user(organisation))
        db.session.commit()
        return petition.slug, {"Authorization": f"Bearer {token}", "Accept": "application/json"}


def _wait_for(check, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


def _batch_status(base, batch_id, headers):
    return requests.get(f"{base}/staff/batches/{batch_id}", headers=headers, timeout=10).json()


def _verify_download(base, batch_id, headers, env, tmp_path, expected_signatures):
    response = requests.get(f"{base}/staff/batches/{batch_id}/download", headers=headers,
                            timeout=60)  # fmt: skip
    assert response.status_code == 200
    folder = tmp_path / f"download-{batch_id}"
    zipfile.ZipFile(io.BytesIO(response.content)).extractall(folder)
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["signature_count"] == expected_signatures
    assert [r["pages"] for r in manifest["recipients"]] == [expected_signatures] * 2
    command = [str(VENV_BIN / "flask"), "--app", "wsgi", "batch", "verify", str(folder)]
    verify = subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True)
    assert verify.returncode == 0, verify.stderr


def test_a_batch_asked_of_one_server_is_rendered_by_the_worker_and_served_by_the_other(
    cluster_env, tmp_path
):
    app, env = cluster_env
    slug, headers = _staff_with_signatures(app, 300)
    with app_server(env) as first, app_server(env) as second, worker_process(env):
        created = requests.post(f"{first}/staff/petitions/{slug}/batches", json={"mode": "letters"},
                                headers=headers, timeout=10)  # fmt: skip
        assert created.status_code == 202
        batch_id = created.json()["id"]
        _wait_for(lambda: _batch_status(second, batch_id, headers)["status"] == "done", 120,
                  "the worker to render the batch")  # fmt: skip
        _verify_download(second, batch_id, headers, env, tmp_path, 300)


def test_a_worker_killed_mid_batch_is_replaced_and_the_batch_completes(cluster_env, tmp_path):
    app, env = cluster_env
    signatures = 20_000
    slug, headers = _staff_with_signatures(app, signatures)
    with app_server(env) as server:
        with worker_process(env) as first_worker:
            url = f"{server}/staff/petitions/{slug}/batches"
            created = requests.post(url, json={"mode": "letters"}, headers=headers, timeout=10)
            batch_id = created.json()["id"]
            # Kill it as soon as it has written progress: mid-render, no clean shutdown.
            _wait_for(lambda: 0 < _batch_status(server, batch_id, headers)["done"] < signatures,
                      120, "the render to start")  # fmt: skip
            first_worker.send_signal(signal.SIGKILL)
            first_worker.wait()
        status = _batch_status(server, batch_id, headers)
        assert status["status"] == "rendering" and status["done"] < signatures
        time.sleep(4)  # past BATCH_LEASE_SECONDS=3 without a heartbeat
        with worker_process(env):
            _wait_for(lambda: _batch_status(server, batch_id, headers)["status"] == "done", 180,
                      "the new worker to finish the batch")  # fmt: skip
        _verify_download(server, batch_id, headers, env, tmp_path, signatures)
