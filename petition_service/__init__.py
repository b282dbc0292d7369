"""petition-service: embeddable petitions, confirmed signatures, signed letter batches."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from flask import Flask
from sqlalchemy import event
from sqlalchemy.engine import Engine
from werkzeug.middleware.proxy_fix import ProxyFix

from .config import engine_options, load_config, sqlite_file
from .filemodes import make_private

PACKAGE_DIR = Path(__file__).resolve().parent


def _resource_dir(name: str) -> Path:
    """Top-level `templates/` and `migrations/` in a checkout; inside the package in a wheel."""
    packaged = PACKAGE_DIR / name
    return packaged if packaged.is_dir() else PACKAGE_DIR.parent / name


TEMPLATES_DIR = _resource_dir("templates")
MIGRATIONS_DIR = _resource_dir("migrations")


def create_app(
    test_config: dict[str, Any] | None = None, instance_path: str | Path | None = None
) -> Flask:
    """Build the application: config, extensions, blueprints, error handlers, CLI.

    `instance_path` (or the PETITION_INSTANCE_PATH variable) moves the instance folder,
    which holds the SQLite database, generated keys, outbox files and batch PDFs.
    """
    instance_path = instance_path or os.environ.get("PETITION_INSTANCE_PATH") or None
    app = Flask(
        __name__,
        instance_path=str(Path(instance_path).resolve()) if instance_path else None,
        template_folder=str(TEMPLATES_DIR),
    )
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    app.config.from_mapping(
        load_config(Path(app.instance_path), env=(test_config or {}).get("PETITION_ENV"))
    )
    if test_config:
        app.config.from_mapping(test_config)
    app.config.setdefault(
        "SQLALCHEMY_ENGINE_OPTIONS", engine_options(app.config["SQLALCHEMY_DATABASE_URI"])
    )
    # Before the database, the counters or any mail file is created: owner only.
    database_file = sqlite_file(app.config["SQLALCHEMY_DATABASE_URI"])
    make_private(Path(app.instance_path), *([database_file] if database_file else []))
    from .jsonsafe import SafeJSONProvider

    provider = SafeJSONProvider(app)
    provider.sort_keys = False
    provider.ensure_ascii = False
    app.json = provider

    hops = app.config["TRUSTED_PROXY_HOPS"]
    if hops > 0:
        # Trust X-Forwarded-* only from the proxies we were told stand in front of us, and of
        # those only the headers they are said to overwrite: a proxy that passes a client's
        # X-Forwarded-Host through would let it choose the host of the embed page's links.
        trusted = app.config["TRUSTED_PROXY_HEADERS"]
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app,
            x_for=hops if "for" in trusted else 0,
            x_proto=hops if "proto" in trusted else 0,
            x_host=hops if "host" in trusted else 0,
        )

    _init_extensions(app)
    _register_blueprints(app)

    from . import errors, i18n, jobs, security
    from .petitions import cases as petition_cases
    from .petitions import service as petitions_service

    petitions_service.init_app(app)
    petition_cases.init_app(app)
    i18n.init_app(app)
    errors.init_app(app)
    security.init_app(app)
    jobs.init_app(app)
    from .letters import batches  # noqa: F401  (registers the render job and its sweep)
    from .text import paragraphs

    app.add_template_filter(paragraphs)

    from . import cli

    cli.init_app(app)
    _register_tasks()
    return app


def _register_tasks() -> None:
    # Importing a task module registers its jobs and periodic sweeps with the queue.
    from .letters import delivery as _delivery  # noqa: F401  (its after-sent hook)
    from .mail import tasks as _mail_tasks  # noqa: F401
    from .signatures import tasks as _signature_tasks  # noqa: F401
    from .updates import tasks as _update_tasks  # noqa: F401


def _init_extensions(app: Flask) -> None:
    from . import models  # noqa: F401  (register every table on the metadata)
    from .extensions import csrf, db, limiter, login_manager, mailman, migrate
    from .signatures import clients

    db.init_app(app)
    migrate.init_app(app, db, directory=str(MIGRATIONS_DIR), render_as_batch=True)
    csrf.init_app(app)
    limiter.init_app(app)
    # Client hashes are keyed by a random key of the day kept in the limiter's store.
    clients.init_app(app, lambda: limiter.storage)
    mailman.init_app(app)
    login_manager.init_app(app)


def _register_blueprints(app: Flask) -> None:
    from flask_cors import CORS

    from . import health
    from .api import hubs as _api_hubs  # noqa: F401  (its routes join the API blueprint)
    from .api.views import bp as api_bp
    from .embed.views import bp as embed_bp
    from .extensions import csrf
    from .organisations.views import bp as organisations_bp
    from .petitions.views import bp as petitions_bp
    from .receipts.views import bp as receipts_bp
    from .sharing.views import bp as sharing_bp
    from .signatures.pages import bp as signer_bp
    from .signatures.views import bp as signatures_bp
    from .staff.views import bp as staff_bp
    from .updates.views import bp as updates_bp

    app.register_blueprint(health.bp)
    app.register_blueprint(petitions_bp)
    app.register_blueprint(sharing_bp)
    # The public form works without cookies (a third-party iframe gets none): its
    # signed form token stands in for the session CSRF token. So does an organisation's form
    # that signs several petitions at once (its only POST).
    csrf.exempt(signatures_bp)
    csrf.exempt(organisations_bp)
    app.register_blueprint(organisations_bp)
    app.register_blueprint(signatures_bp)
    app.register_blueprint(embed_bp)
    # The pages behind a signer's mail links: the random token in the URL is the proof.
    csrf.exempt(signer_bp)
    app.register_blueprint(signer_bp)
    # Receipts and unsubscribing work without cookies: a receipt check is anonymous and
    # changes nothing; an unsubscribe POST comes from a mail client (RFC 8058), and the
    # random token in its URL is the proof.
    csrf.exempt(receipts_bp)
    app.register_blueprint(receipts_bp)
    csrf.exempt(updates_bp)
    app.register_blueprint(updates_bp)
    # The API authenticates by token or not at all; session CSRF does not apply.
    csrf.exempt(api_bp)
    app.register_blueprint(api_bp)
    # Campaign sites may call the public API from their own pages.
    CORS(
        app,
        resources={
            r"/api/v1/*": {
                "origins": "*",
                "methods": ["GET", "POST"],
                "allow_headers": ["Content-Type"],
                "max_age": 3600,
                "send_wildcard": True,
            }
        },
    )
    # Staff requests authenticate by session (CSRF checked in the blueprint's own hook) or by
    # bearer token (no CSRF: a browser never attaches one on its own); see staff/auth.py.
    csrf.exempt(staff_bp)
    app.register_blueprint(staff_bp)


@event.listens_for(Engine, "connect")
def _configure_sqlite(dbapi_connection: Any, connection_record: Any) -> None:
    """WAL lets readers go on while one writer commits; foreign keys are off by default."""
    module = type(dbapi_connection).__module__
    if not module.startswith("sqlite3"):
        return
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=15000")
    cursor.close()
