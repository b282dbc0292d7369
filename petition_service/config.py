"""Configuration, read from the environment (see the contract's table of variables).

`PETITION_ENV` picks the profile: `development` (the default, what `make run` uses),
`production` (refuses to start without its secrets) or `testing`.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any


class ConfigurationError(RuntimeError):
    """The environment does not describe a service that can start safely."""


def _env_int(name: str, default: int) -> int:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise ConfigurationError(f"{name} must be an integer, got {raw!r}") from exc


def _env_bool(name: str, default: bool = False) -> bool:
    raw = os.environ.get(name, "").strip().lower()
    if not raw:
        return default
    if raw in {"1", "true", "yes", "on"}:
        return True
    if raw in {"0", "false", "no", "off"}:
        return False
    raise ConfigurationError(f"{name} must be true or false, got {raw!r}")


def _development_secret_key(instance_path: Path) -> str:
    """A key generated once and kept in the instance folder, so sessions and signed
    tokens survive restarts on a developer's machine without anyone inventing a secret."""
    key_file = instance_path / "secret_key"
    if key_file.exists():
        return key_file.read_text().strip()
    instance_path.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    # O_EXCL: two processes starting at once must agree on one key.
    try:
        fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return key_file.read_text().strip()
    with os.fdopen(fd, "w") as handle:
        handle.write(key)
    return key


def load_config(instance_path: Path, env: str | None = None) -> dict[str, Any]:
    """Build the Flask config mapping for `env` from the process environment."""
    env = env or os.environ.get("PETITION_ENV", "development")
    if env not in {"development", "production", "testing"}:
        raise ConfigurationError(
            f"PETITION_ENV must be development, production or testing, got {env!r}"
        )

    secret_key = os.environ.get("SECRET_KEY", "").strip()
    if not secret_key:
        if env == "production":
            raise ConfigurationError(
                "SECRET_KEY is required when PETITION_ENV=production; "
                'generate one with: python -c "import secrets; print(secrets.token_urlsafe(48))"'
            )
        secret_key = _development_secret_key(instance_path)

    database_url = os.environ.get("DATABASE_URL", "").strip() or (
        f"sqlite:///{instance_path / 'petitions.db'}"
    )
    redis_url = os.environ.get("REDIS_URL", "").strip() or None

    return {
        "PETITION_ENV": env,
        "TESTING": env == "testing",
        "SECRET_KEY": secret_key,
        "SQLALCHEMY_DATABASE_URI": database_url,
        "REDIS_URL": redis_url,
        "PUBLIC_BASE_URL": os.environ.get("PUBLIC_BASE_URL", "http://127.0.0.1:5000").rstrip("/"),
        "TRUSTED_PROXY_HOPS": _env_int("TRUSTED_PROXY_HOPS", 0),
        "MAIL_SERVER": os.environ.get("MAIL_SERVER", "").strip() or None,
        "MAIL_PORT": _env_int("MAIL_PORT", 25),
        "MAIL_USERNAME": os.environ.get("MAIL_USERNAME") or None,
        "MAIL_PASSWORD": os.environ.get("MAIL_PASSWORD") or None,
        "MAIL_USE_TLS": _env_bool("MAIL_USE_TLS"),
        "MAIL_DEFAULT_SENDER": os.environ.get("MAIL_DEFAULT_SENDER") or "petitions@localhost",
        # Unconfirmed signatures (and the personal data in them) are deleted after this long.
        "PENDING_SIGNATURE_TTL_HOURS": _env_int("PENDING_SIGNATURE_TTL_HOURS", 72),
        "SIGNING_KEY_FILE": os.environ.get("SIGNING_KEY_FILE") or None,
        "SIGNING_CERT_FILE": os.environ.get("SIGNING_CERT_FILE") or None,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": env == "production",
        # Counters shared by every process: Redis at scale, else a SQLite file (see
        # ratelimit_storage.py for why not the per-process memory storage).
        "RATELIMIT_STORAGE_URI": redis_url or f"sqlite:///{instance_path / 'ratelimits.db'}",
        # One strategy for every storage: Flask-Limiter keeps the first one it is given.
        "RATELIMIT_STRATEGY": "fixed-window",
        # Retry-After is added by our 429 handler; the X-RateLimit-* headers would cost
        # extra storage reads on every signature.
        "RATELIMIT_HEADERS_ENABLED": False,
        "SIGN_LIMITS_PER_CLIENT": os.environ.get(
            "SIGN_LIMITS_PER_CLIENT", "1 per 10 seconds; 5 per 5 minutes"
        ),
        "SIGN_LIMIT_PER_PETITION": os.environ.get("SIGN_LIMIT_PER_PETITION", "60000 per minute"),
        "API_READ_LIMIT": os.environ.get("API_READ_LIMIT", "600 per minute"),
        # A human needs a few seconds to fill the form; a token stays good for a day.
        "FORM_MIN_SECONDS": _env_int("FORM_MIN_SECONDS", 3),
        "FORM_TOKEN_MAX_AGE_SECONDS": _env_int("FORM_TOKEN_MAX_AGE_SECONDS", 24 * 3600),
        # Public pages must stay small: a signing form never needs more than this.
        "MAX_CONTENT_LENGTH": 64 * 1024,
        "COUNT_CACHE_SECONDS": _env_int("COUNT_CACHE_SECONDS", 5),
        # Case photos uploaded by staff, and staff forms holding a petition's whole texts.
        "PHOTO_MAX_BYTES": _env_int("PHOTO_MAX_BYTES", 10 * 1024 * 1024),
        "STAFF_FORM_MAX_BYTES": 1024 * 1024,
        # A rendering batch whose worker sent no heartbeat for this long is rendered again.
        "BATCH_LEASE_SECONDS": _env_int("BATCH_LEASE_SECONDS", 120),
    }


def engine_options(database_url: str) -> dict[str, Any]:
    if database_url.startswith("sqlite"):
        # One shared file; the busy timeout lets concurrent writers queue instead of failing.
        return {"connect_args": {"timeout": 15}}
    return {
        "pool_pre_ping": True,
        "pool_size": _env_int("DATABASE_POOL_SIZE", 5),
        "max_overflow": _env_int("DATABASE_MAX_OVERFLOW", 10),
        "pool_recycle": 1800,
    }
