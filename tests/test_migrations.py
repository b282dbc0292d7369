"""The test database is built by the migrations; these tests check they are complete."""

from __future__ import annotations

import re

import flask_migrate
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect

from petition_service import MIGRATIONS_DIR
from petition_service.extensions import db
from tests.conftest import make_test_app
from tests.databases import fresh_database


def test_migrations_apply_from_empty_and_match_the_models(backend, tmp_path):
    with fresh_database(backend, tmp_path) as url:
        app = make_test_app(url, tmp_path / "instance")
        with app.app_context():
            flask_migrate.upgrade()
            with db.engine.connect() as connection:
                context = MigrationContext.configure(connection, opts={"compare_type": True})
                differences = compare_metadata(context, db.metadata)
            assert differences == [], f"models and migrations disagree: {differences}"

            flask_migrate.downgrade(revision="base")
            assert set(inspect(db.engine).get_table_names()) <= {"alembic_version"}
            flask_migrate.upgrade()
            assert "signatures" in inspect(db.engine).get_table_names()
            db.engine.dispose()


def test_migrations_are_numbered_in_one_line():
    config = flask_migrate.Config(str(MIGRATIONS_DIR / "alembic.ini"))
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    scripts = ScriptDirectory.from_config(config)
    assert len(scripts.get_heads()) == 1
    revisions = list(reversed(list(scripts.walk_revisions())))
    for number, revision in enumerate(revisions, start=1):
        assert revision.revision == f"{number:04d}"
        assert re.match(rf"{number:04d}_\w+\.py$", revision.path.rsplit("/", 1)[-1])
