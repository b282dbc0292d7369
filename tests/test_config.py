from __future__ import annotations

import pytest

from petition_service import create_app
from petition_service.config import ConfigurationError, load_config


@pytest.fixture
def clean_env(monkeypatch):
    for name in ("SECRET_KEY", "DATABASE_URL", "PETITION_ENV", "TRUSTED_PROXY_HOPS", "REDIS_URL"):
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


def test_production_refuses_to_start_without_secret_key(clean_env, tmp_path):
    clean_env.setenv("PETITION_ENV", "production")
    with pytest.raises(ConfigurationError, match="SECRET_KEY is required"):
        create_app(instance_path=tmp_path)


def test_production_starts_with_secret_key_and_secure_cookies(clean_env, tmp_path):
    clean_env.setenv("PETITION_ENV", "production")
    clean_env.setenv("SECRET_KEY", "x" * 40)
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
