from __future__ import annotations

from collections.abc import Iterator

import flask_migrate
import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import text

from petition_service import create_app
from petition_service.extensions import db, limiter
from petition_service.petitions.service import count_cache
from tests.databases import fresh_database

BACKENDS = ["sqlite", "postgresql"]


def make_test_app(database_url: str, instance_path, **overrides) -> Flask:
    config = {
        "PETITION_ENV": "testing",
        "SECRET_KEY": "test-secret-key",
        "SQLALCHEMY_DATABASE_URI": database_url,
        "PUBLIC_BASE_URL": "http://petitions.example.org",
        "COUNT_CACHE_SECONDS": 0,
        "JOBS_IMMEDIATE": True,
        # Tests post forms at machine speed; the time trap has tests of its own.
        "FORM_MIN_SECONDS": 0,
        # Tests must never reach a real mail server by accident.
        "MAIL_SERVER": None,
        **overrides,
    }
    return create_app(config, instance_path=instance_path)


@pytest.fixture(scope="session", params=BACKENDS)
def backend(request) -> str:
    return request.param


@pytest.fixture(scope="session")
def app(backend, tmp_path_factory) -> Iterator[Flask]:
    """One app per backend, its database built by running the migrations."""
    directory = tmp_path_factory.mktemp(f"app-{backend}")
    with fresh_database(backend, directory) as url:
        application = make_test_app(url, directory / "instance")
        with application.app_context():
            flask_migrate.upgrade()
        yield application
        with application.app_context():
            db.engine.dispose()


@pytest.fixture(autouse=True)
def _clean_database(request) -> Iterator[None]:
    yield
    if "app" not in request.fixturenames:
        return
    application: Flask = request.getfixturevalue("app")
    count_cache.clear()
    with application.app_context():
        limiter.reset()
        db.session.remove()
        tables = [table.name for table in reversed(db.metadata.sorted_tables)]
        with db.engine.begin() as connection:
            if connection.dialect.name == "postgresql":
                connection.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
            else:
                for table in tables:
                    connection.execute(text(f"DELETE FROM {table}"))


@pytest.fixture
def app_context(app) -> Iterator[None]:
    with app.app_context():
        yield
        db.session.remove()


@pytest.fixture
def client(app) -> FlaskClient:
    return app.test_client()
