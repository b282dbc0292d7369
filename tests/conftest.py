from __future__ import annotations

import os
from collections.abc import Iterator

import flask_migrate
import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import text

from petition_service import create_app, jobs
from petition_service.extensions import db, limiter
from petition_service.petitions.service import count_cache
from tests.databases import fresh_database

BACKENDS = ["sqlite", "postgresql"]
REDIS_URL = os.environ.get("TEST_REDIS_URL")


def scale_out_settings(backend: str) -> dict[str, str]:
    """The PostgreSQL run is the scale-out configuration: with TEST_REDIS_URL, rate-limit
    counters and the count cache live in Redis, as on a multi-host deployment."""
    if backend == "postgresql" and REDIS_URL:
        return {"REDIS_URL": REDIS_URL, "RATELIMIT_STORAGE_URI": REDIS_URL}
    return {}


def make_test_app(database_url: str, instance_path, **overrides) -> Flask:
    config = {
        "PETITION_ENV": "testing",
        "SECRET_KEY": "test-secret-key",
        "SQLALCHEMY_DATABASE_URI": database_url,
        "PUBLIC_BASE_URL": "http://petitions.example.org",
        "COUNT_CACHE_SECONDS": 0,
        "JOBS_IMMEDIATE": True,
        # Every commit nudges the sender at once, so tests see their mail without waiting.
        "MAIL_KICK_INTERVAL_SECONDS": 0,
        # Tests post forms at machine speed; the time trap has tests of its own.
        "FORM_MIN_SECONDS": 0,
        # Tests must never reach a real mail server by accident.
        "MAIL_SERVER": None,
        # Tests sign many times from few networks; the proof of work has tests of its own.
        "SIGN_CHALLENGE": "off",
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
        application = make_test_app(url, directory / "instance", **scale_out_settings(backend))
        with application.app_context():
            flask_migrate.upgrade()
        application.extensions["test_limiter_state"] = (limiter._storage, limiter._limiter)
        yield application
        with application.app_context():
            db.engine.dispose()


@pytest.fixture(autouse=True)
def _limiter_counts_for_this_app(request) -> None:
    """Flask-Limiter keeps one storage per process, the last app's: tests that build an app
    of their own would leave the session app counting in their storage. Point it back."""
    if "app" in request.fixturenames:
        storage, strategy = request.getfixturevalue("app").extensions["test_limiter_state"]
        limiter._storage, limiter._limiter = storage, strategy


@pytest.fixture(autouse=True)
def _clean_database(request) -> Iterator[None]:
    yield
    if "app" not in request.fixturenames:
        return
    application: Flask = request.getfixturevalue("app")
    with application.app_context():
        count_cache.clear()
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


@pytest.fixture
def embedded_queue(app) -> Iterator[None]:
    """The embedded default: the queue in memory, a real consumer thread in this process."""
    jobs.huey.immediate = False
    jobs._app = app
    yield
    if jobs._embedded_consumer is not None:
        jobs._embedded_consumer.stop(graceful=True)
        jobs._embedded_consumer = None
    jobs.huey.immediate = True
