from __future__ import annotations

import os
import re

import pytest

from petition_service import create_app
from petition_service.config import ConfigurationError, load_config


@pytest.fixture
def clean_env(monkeypatch):
    for name in ("SECRET_KEY", "DATABASE_URL", "PETITION_ENV", "TRUSTED_PROXY_HOPS", "REDIS_URL",
                 "PUBLIC_BASE_URL", "MAIL_SERVER", "SIGNING_KEY_FILE", "SIGNING_CERT_FILE",
                 "TRUSTED_PROXY_HEADERS", "ALLOW_MAIL_TO_FILES", "ALLOW_DEMO_SIGNING_KEY",
                 "ALLOW_DEFAULT_PUBLIC_BASE_URL"):  # fmt: skip
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


PRODUCTION = {
    "PETITION_ENV": "production",
    "SECRET_KEY": "x" * 40,
    "PUBLIC_BASE_URL": "https://petitions.example.org",
    "MAIL_SERVER": "smtp.example.org",
    "SIGNING_KEY_FILE": "/etc/petitions/key.pem",
    "SIGNING_CERT_FILE": "/etc/petitions/cert.pem",
}


def _production(env, **changes):
    for name, value in {**PRODUCTION, **changes}.items():
        if value is None:
            env.delenv(name, raising=False)
        else:
            env.setenv(name, value)


@pytest.mark.parametrize(
    ("changes", "named"),
    [
        ({"SECRET_KEY": None}, "SECRET_KEY must be set and at least 32 characters"),
        ({"SECRET_KEY": "x"}, "SECRET_KEY must be set and at least 32 characters long (it is 1)"),
        ({"SECRET_KEY": "y" * 31}, "(it is 31)"),
        ({"PUBLIC_BASE_URL": None}, "PUBLIC_BASE_URL is unset"),
        ({"MAIL_SERVER": None}, "MAIL_SERVER is unset"),
        ({"SIGNING_KEY_FILE": None}, "SIGNING_KEY_FILE unset"),
        ({"SIGNING_CERT_FILE": None}, "SIGNING_CERT_FILE unset"),
    ],
)
def test_production_refuses_each_unsafe_setting_by_name(clean_env, tmp_path, changes, named):
    _production(clean_env, **changes)
    with pytest.raises(ConfigurationError, match=re.escape(named)):
        create_app(instance_path=tmp_path)


def test_production_names_every_problem_at_once(clean_env, tmp_path):
    clean_env.setenv("PETITION_ENV", "production")
    with pytest.raises(ConfigurationError) as refused:
        create_app(instance_path=tmp_path)
    message = str(refused.value)
    for name in ("SECRET_KEY", "PUBLIC_BASE_URL", "MAIL_SERVER", "SIGNING_KEY_FILE"):
        assert name in message


def test_the_opt_outs_allow_mail_files_and_the_demo_key(clean_env, tmp_path):
    _production(clean_env, MAIL_SERVER=None, SIGNING_KEY_FILE=None, SIGNING_CERT_FILE=None,
                ALLOW_MAIL_TO_FILES="1", ALLOW_DEMO_SIGNING_KEY="1")  # fmt: skip
    assert create_app(instance_path=tmp_path).config["MAIL_SERVER"] is None


def test_the_wsgi_entry_point_exits_non_zero_with_the_message(clean_env, tmp_path):
    import subprocess
    import sys
    from pathlib import Path

    env = {key: value for key, value in os.environ.items() if key not in PRODUCTION}
    env.update(PETITION_ENV="production", SECRET_KEY="x", PETITION_INSTANCE_PATH=str(tmp_path))
    result = subprocess.run([sys.executable, "-c", "import wsgi"], env=env, capture_output=True,
                            text=True, cwd=Path(__file__).resolve().parent.parent)  # fmt: skip
    assert result.returncode != 0
    assert "refuses to start" in result.stderr and "SECRET_KEY" in result.stderr
    assert "Traceback" not in result.stderr


def test_production_starts_with_secret_key_and_secure_cookies(clean_env, tmp_path):
    _production(clean_env)
    app = create_app(instance_path=tmp_path)
    assert app.config["SECRET_KEY"] == "x" * 40
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert not (tmp_path / "secret_key").exists()


def test_development_generates_one_secret_key_and_keeps_it(clean_env, tmp_path):
    first = load_config(tmp_path)["SECRET_KEY"]
    second = load_config(tmp_path)["SECRET_KEY"]
    assert len(first) >= 40
    assert first == second
    assert (tmp_path / "secret_key").stat().st_mode & 0o777 == 0o600


def test_default_database_is_sqlite_in_the_instance_folder(clean_env, tmp_path):
    app = create_app(instance_path=tmp_path)
    assert app.config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path.resolve()}/petitions.db"


def test_database_url_from_the_environment(clean_env, tmp_path):
    clean_env.setenv("DATABASE_URL", "postgresql+psycopg://user@db.internal/petitions")
    app = create_app(instance_path=tmp_path)
    assert (
        app.config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://user@db.internal/petitions"
    )
    assert app.config["SQLALCHEMY_ENGINE_OPTIONS"]["pool_pre_ping"] is True


def test_redis_url_moves_rate_limit_storage(clean_env, tmp_path):
    default = create_app(instance_path=tmp_path).config
    assert default["RATELIMIT_STORAGE_URI"] == f"sqlite:///{tmp_path.resolve()}/ratelimits.db"
    clean_env.setenv("REDIS_URL", "redis://127.0.0.1:6379/0")
    assert load_config(tmp_path)["RATELIMIT_STORAGE_URI"] == "redis://127.0.0.1:6379/0"
    assert load_config(tmp_path)["RATELIMIT_STRATEGY"] == "fixed-window"


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("TRUSTED_PROXY_HOPS", "two", "TRUSTED_PROXY_HOPS must be an integer"),
        ("PETITION_ENV", "staging", "PETITION_ENV must be"),
        ("MAIL_USE_TLS", "perhaps", "MAIL_USE_TLS must be true or false"),
    ],
)
def test_bad_settings_are_named_in_the_error(clean_env, tmp_path, name, value, message):
    clean_env.setenv(name, value)
    with pytest.raises(ConfigurationError, match=message):
        load_config(tmp_path)


def test_forwarded_host_and_proto_are_trusted_only_when_configured(clean_env, tmp_path):
    clean_env.setenv("TRUSTED_PROXY_HOPS", "1")
    forwarded = {"X-Forwarded-For": "192.0.2.1", "X-Forwarded-Host": "evil.example",
                 "X-Forwarded-Proto": "https"}  # fmt: skip

    def seen(app):
        @app.get("/_seen")
        def _seen():
            from flask import request

            return {"host": request.host, "scheme": request.scheme, "addr": request.remote_addr}

        return (
            app.test_client().get("/_seen", headers=forwarded, base_url="http://real.example").json
        )

    by_default = seen(create_app(instance_path=tmp_path))
    assert by_default == {"host": "real.example", "scheme": "http", "addr": "192.0.2.1"}
    clean_env.setenv("TRUSTED_PROXY_HEADERS", "for,proto,host")
    configured = seen(create_app(instance_path=tmp_path))
    assert configured == {"host": "evil.example", "scheme": "https", "addr": "192.0.2.1"}
    clean_env.setenv("TRUSTED_PROXY_HEADERS", "for,cookie")
    with pytest.raises(ConfigurationError, match="TRUSTED_PROXY_HEADERS"):
        load_config(tmp_path)
