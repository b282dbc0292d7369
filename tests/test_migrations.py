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


def test_the_signer_safety_migration_keeps_rows_and_the_links_already_mailed(backend, tmp_path):
    """0006: existing signatures keep `full`, a closed petition gets its closing time, and
    the signed links in mails already sent keep working, stored hashed like new ones."""
    from itsdangerous import URLSafeTimedSerializer
    from sqlalchemy import text

    with fresh_database(backend, tmp_path) as url:
        app = make_test_app(url, tmp_path / "instance")
        old_confirm = URLSafeTimedSerializer("old", salt="signature-confirm").dumps([1, 5])
        old_withdraw = URLSafeTimedSerializer("old", salt="signature-withdraw").dumps([1, 5])
        body = (
            f"Please confirm: http://petitions.example.org/confirm/{old_confirm}?lang=vi\n"
            f"Withdraw: http://petitions.example.org/withdraw/{old_withdraw}?lang=vi\n"
        )
        now = "2026-11-01 10:00:00"
        with app.app_context():
            flask_migrate.upgrade(revision="0005")
            with db.engine.begin() as connection:
                connection.execute(text(
                    "INSERT INTO organisations (id, slug, name, description, is_public, created_at)"
                    " VALUES (1, 'o', 'O', '', true, :now)"), {"now": now})  # fmt: skip
                for number, status in ((1, "open"), (2, "closed")):
                    connection.execute(text(
                        "INSERT INTO petitions (id, organisation_id, slug, title, summary, story,"
                        " letter_body, letter_closing, language, status, update_message, goal,"
                        " allowed_origins, person_name, created_at, updated_at) VALUES (:id, 1,"
                        " :slug, 'T', '', '', '', '', 'en', :status, '', 10, '[]', '', :now,"
                        " :now)"), {"id": number, "slug": f"p{number}", "status": status,
                                    "now": now})  # fmt: skip
                connection.execute(text(
                    "INSERT INTO signatures (id, petition_id, name, email, email_canonical,"
                    " country, city, consent, wants_updates, language, status, created_at,"
                    " invalid_reason) VALUES (1, 1, 'Trần Thị Nga', 'nga@example.org',"
                    " 'nga@example.org', 'VN', 'Hà Nội', true, false, 'vi', 'pending', :now, '')"
                ), {"now": now})  # fmt: skip
                connection.execute(text(
                    "INSERT INTO outbox_messages (message_id, kind, to_address, subject, body_text,"
                    " body_html, headers, signature_id, status, attempts, next_attempt_at,"
                    " last_error, attachments, smtp_response, created_at) VALUES ('<m@x>',"
                    " 'confirm', 'nga@example.org', 'S', :body, '', '{}', 1, 'sent', 1, :now, '',"
                    " '[]', '', :now)"), {"body": body, "now": now})  # fmt: skip
            flask_migrate.upgrade()
            with db.engine.connect() as connection:
                assert connection.execute(text("SELECT display FROM signatures")).scalar() == "full"
                petitions = text("SELECT slug, closed_at FROM petitions")
                closed = dict(connection.execute(petitions).all())
                assert closed["p1"] is None and closed["p2"] is not None
                links = connection.execute(
                    text("SELECT purpose, expires_at FROM signature_links ORDER BY purpose")
                ).all()
                assert [purpose for purpose, _ in links] == ["confirm", "withdraw"]
                assert links[0][1] is not None and links[1][1] is None
            db.engine.dispose()
        client = app.test_client()
        page = client.get(f"/withdraw/{old_withdraw}?lang=vi")
        assert page.status_code == 200 and "Rút lại chữ ký" in page.text
        # The confirm link of a mail sent in November has expired, as it would have.
        assert client.get(f"/confirm/{old_confirm}").status_code == 400
        with app.app_context():
            db.engine.dispose()


def test_the_sign_several_migration_keeps_links_and_removes_only_its_own(backend, tmp_path):
    """0007: every existing link keeps naming its signature; going back removes only the
    links of whole submissions (there is no single signature to give them)."""
    from sqlalchemy import text

    with fresh_database(backend, tmp_path) as url:
        app = make_test_app(url, tmp_path / "instance")
        now = "2026-12-01 10:00:00"
        with app.app_context():
            flask_migrate.upgrade(revision="0006")
            with db.engine.begin() as connection:
                connection.execute(text(
                    "INSERT INTO organisations (id, slug, name, description, is_public, created_at)"
                    " VALUES (1, 'o', 'O', '', true, :now)"), {"now": now})  # fmt: skip
                connection.execute(text(
                    "INSERT INTO petitions (id, organisation_id, slug, title, summary, story,"
                    " letter_body, letter_closing, language, status, update_message, goal,"
                    " allowed_origins, person_name, protected_countries, created_at, updated_at)"
                    " VALUES (1, 1, 'p', 'T', '', '', '', '', 'en', 'open', '', 10, '[]', '',"
                    " '[]', :now, :now)"), {"now": now})  # fmt: skip
                connection.execute(text(
                    "INSERT INTO signatures (id, petition_id, name, email, email_canonical,"
                    " country, city, consent, wants_updates, language, status, created_at,"
                    " invalid_reason, display) VALUES (1, 1, 'Nga', 'nga@example.org',"
                    " 'nga@example.org', 'VN', '', true, false, 'vi', 'pending', :now, '',"
                    " 'full')"), {"now": now})  # fmt: skip
                connection.execute(text(
                    "INSERT INTO signature_links (id, token_hash, signature_id, purpose,"
                    " created_at) VALUES (1, 'h1', 1, 'withdraw', :now)"),
                    {"now": now})  # fmt: skip
            flask_migrate.upgrade(revision="0007")
            with db.engine.begin() as connection:
                row = connection.execute(
                    text("SELECT signature_id, submission_id FROM signature_links")
                ).one()
                assert tuple(row) == (1, None)
                connection.execute(text(
                    "INSERT INTO signature_submissions (id, organisation_id, created_at)"
                    " VALUES (1, 1, :now)"), {"now": now})  # fmt: skip
                connection.execute(text(
                    "INSERT INTO signature_links (id, token_hash, submission_id, purpose,"
                    " created_at) VALUES (2, 'h2', 1, 'confirm', :now)"), {"now": now})  # fmt: skip
            flask_migrate.downgrade(revision="0006")
            with db.engine.connect() as connection:
                ids = connection.execute(text("SELECT id FROM signature_links")).scalars().all()
                assert ids == [1]
            db.engine.dispose()
