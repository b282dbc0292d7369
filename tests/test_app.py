from __future__ import annotations

import pytest
from sqlalchemy import text

from petition_service.extensions import db
from tests.conftest import make_test_app


def test_healthz_answers_when_the_database_does(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json == {"status": "ok"}


def test_healthz_is_503_when_the_database_does_not(tmp_path):
    app = make_test_app(f"sqlite:///{tmp_path}/missing-dir/x.db", tmp_path / "instance")
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.json["status"] == "unavailable"


def test_sqlite_runs_in_wal_mode_with_foreign_keys(app, app_context, backend):
    if backend != "sqlite":
        pytest.skip("PRAGMAs exist on SQLite only")
    assert db.session.execute(text("PRAGMA journal_mode")).scalar() == "wal"
    assert db.session.execute(text("PRAGMA foreign_keys")).scalar() == 1


def _app_with_a_failing_route(tmp_path):
    app = make_test_app(f"sqlite:///{tmp_path}/x.db", tmp_path / "instance")

    @app.get("/boom")
    @app.get("/api/v1/boom")
    def boom():
        raise RuntimeError("a bug")

    return app


def test_unexpected_errors_get_a_friendly_page(tmp_path):
    response = _app_with_a_failing_route(tmp_path).test_client().get("/boom")
    assert response.status_code == 500
    body = response.get_data(as_text=True)
    assert "Something went wrong on our side" in body
    assert "a bug" not in body and "Traceback" not in body


def test_unexpected_errors_in_the_api_are_json(tmp_path):
    response = _app_with_a_failing_route(tmp_path).test_client().get("/api/v1/boom")
    assert response.status_code == 500
    assert response.json["error"]["code"] == 500
    assert "a bug" not in response.get_data(as_text=True)


def test_json_clients_get_json_errors_outside_the_api(client):
    response = client.get("/p/nope", headers={"Accept": "application/json"})
    assert response.status_code == 404
    assert response.json["error"]["code"] == 404
