"""Fresh, migrated databases for tests: a SQLite file always, PostgreSQL when
TEST_DATABASE_URL names a server (a new database is created for each run and dropped after)."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

POSTGRES_SKIP_REASON = (
    "PostgreSQL tests need TEST_DATABASE_URL "
    "(e.g. postgresql+psycopg://postgres@127.0.0.1:5432/test); .ci/run sets it"
)


def postgres_server_url() -> str | None:
    return os.environ.get("TEST_DATABASE_URL") or None


@contextmanager
def fresh_postgres_database() -> Iterator[str]:
    """Create an empty database on the TEST_DATABASE_URL server; drop it afterwards."""
    server_url = postgres_server_url()
    if not server_url:
        pytest.skip(POSTGRES_SKIP_REASON)
    name = f"petition_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(server_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(server_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@contextmanager
def fresh_database(backend: str, directory: Path) -> Iterator[str]:
    if backend == "postgresql":
        with fresh_postgres_database() as url:
            yield url
    else:
        yield f"sqlite:///{directory / f'test-{uuid.uuid4().hex[:8]}.db'}"
