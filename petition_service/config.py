"""Configuration, read from the environment (see the contract's table of variables).

`PETITION_ENV` picks the profile: `development` (the default, what `make run` uses),
`production` (refuses to start without its secrets) or `testing`.
"""

from __future__ import annotations

import os
import secrets
from datetime import timedelta
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
    if env == "production":
        _refuse_unsafe_production_settings(secret_key)
    if not secret_key:
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
        # Names, emails, cities and client hashes of a closed or won petition whose
        # signatures were all delivered are erased this many days after it closed.
        "PERSONAL_DATA_RETENTION_DAYS": _env_int("PERSONAL_DATA_RETENTION_DAYS", 90),
        "SIGNING_KEY_FILE": os.environ.get("SIGNING_KEY_FILE") or None,
        "SIGNING_CERT_FILE": os.environ.get("SIGNING_CERT_FILE") or None,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": env == "production",
        # Staff sessions are the only cookies; the cookie dies with the absolute lifetime.
        "PERMANENT_SESSION_LIFETIME": timedelta(hours=_env_int("STAFF_SESSION_MAX_HOURS", 12)),
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
        # Every client of one IPv4 /24 or IPv6 /48 together, per petition: a lecture hall
        # signing at once stays under it; one attacker's whole network is held to it.
        "SIGN_LIMIT_PER_NETWORK": os.environ.get(
            "SIGN_LIMIT_PER_NETWORK", "20 per minute; 200 per hour"
        ),
        # Beyond these a petition or a network signs "unusually fast": in SIGN_CHALLENGE=surge
        # mode its signatures then need a solved proof of work.
        "SIGN_SURGE_PER_PETITION": os.environ.get("SIGN_SURGE_PER_PETITION", "120 per minute"),
        "SIGN_SURGE_PER_NETWORK": os.environ.get("SIGN_SURGE_PER_NETWORK", "5 per minute"),
        "SIGN_CHALLENGE": _env_choice("SIGN_CHALLENGE", ("off", "surge", "always"), "surge"),
        "SIGN_CHALLENGE_MAX_NUMBER": _env_int("SIGN_CHALLENGE_MAX_NUMBER", 100_000),
        "SIGN_CHALLENGE_TTL_SECONDS": _env_int("SIGN_CHALLENGE_TTL_SECONDS", 1800),
        "API_READ_LIMIT": os.environ.get("API_READ_LIMIT", "600 per minute"),
        # Mail to one address: first confirmations always go out; repeats and notes beyond
        # this many an hour wait for a later hour (mail/outbox.py).
        "MAIL_PER_ADDRESS_PER_HOUR": _env_int("MAIL_PER_ADDRESS_PER_HOUR", 2),
        # Staff sessions end after this long without a request, and this long after login.
        "STAFF_SESSION_IDLE_MINUTES": _env_int("STAFF_SESSION_IDLE_MINUTES", 60),
        "STAFF_SESSION_MAX_HOURS": _env_int("STAFF_SESSION_MAX_HOURS", 12),
        # Failed staff logins: from one address (any account), and against one account from
        # addresses that have failed; the right password from an address that has not
        # failed is never refused (staff/throttle.py).
        "STAFF_LOGIN_FAILURES_PER_ADDRESS": os.environ.get(
            "STAFF_LOGIN_FAILURES_PER_ADDRESS", "5 per minute; 20 per hour; 50 per day"
        ),
        "STAFF_LOGIN_FAILURES_PER_ACCOUNT": os.environ.get(
            "STAFF_LOGIN_FAILURES_PER_ACCOUNT", "10 per hour; 30 per day"
        ),
        # Which X-Forwarded-* headers the TRUSTED_PROXY_HOPS proxies may set: `for` (the
        # client address) always; `proto` and `host` only when the proxy overwrites them.
        "TRUSTED_PROXY_HEADERS": _env_proxy_headers(),
        # A human needs a few seconds to fill the form; a token stays good for a day.
        "FORM_MIN_SECONDS": _env_int("FORM_MIN_SECONDS", 3),
        "FORM_TOKEN_MAX_AGE_SECONDS": _env_int("FORM_TOKEN_MAX_AGE_SECONDS", 24 * 3600),
        # Public pages must stay small: a signing form never needs more than this.
        "MAX_CONTENT_LENGTH": 64 * 1024,
        "COUNT_CACHE_SECONDS": _env_int("COUNT_CACHE_SECONDS", 5),
        # Case photos uploaded by staff, and staff forms holding a petition's whole texts.
        "PHOTO_MAX_BYTES": _env_int("PHOTO_MAX_BYTES", 10 * 1024 * 1024),
        "STAFF_FORM_MAX_BYTES": 1024 * 1024,
        # Where batches' files are kept (tests point it at a temporary folder); None:
        # instance/batches.
        "BATCH_STORAGE_PATH": None,
        # A rendering batch whose worker sent no heartbeat for this long is rendered again.
        "BATCH_LEASE_SECONDS": _env_int("BATCH_LEASE_SECONDS", 120),
        # How many update mails a mailing queues per minute: a steady pace that mail
        # providers accept, and that leaves the sender room for confirmation mails.
        "UPDATE_MAILS_PER_MINUTE": _env_int("UPDATE_MAILS_PER_MINUTE", 600),
        # A recipient's mail carries their PDF and the manifest; most mail servers refuse
        # messages over 20 to 25 MB once encoded (base64 adds a third).
        "BATCH_MAIL_MAX_BYTES": _env_int("BATCH_MAIL_MAX_BYTES", 15 * 1024 * 1024),
        # The largest document the public receipt page checks (hashed as it streams in,
        # never stored); MAX_CONTENT_LENGTH is raised to this for that one route.
        "RECEIPT_CHECK_MAX_BYTES": _env_int("RECEIPT_CHECK_MAX_BYTES", 100 * 1024 * 1024),
        # `flask worker` lowers its own scheduling priority by this much (os.nice): on a host
        # that also serves requests, composing mail and rendering PDFs then take only the CPU
        # that signing leaves; on a host of its own the worker loses nothing. 0 keeps it.
        "WORKER_NICE": _env_int("WORKER_NICE", 10),
    }


def _env_choice(name: str, choices: tuple[str, ...], default: str) -> str:
    raw = os.environ.get(name, "").strip().lower() or default
    if raw not in choices:
        raise ConfigurationError(f"{name} must be one of {', '.join(choices)}, got {raw!r}")
    return raw


PROXY_HEADERS = ("for", "proto", "host")


def _env_proxy_headers() -> tuple[str, ...]:
    raw = os.environ.get("TRUSTED_PROXY_HEADERS", "for")
    names = tuple(dict.fromkeys(n.strip().lower() for n in raw.split(",") if n.strip()))
    unknown = [name for name in names if name not in PROXY_HEADERS]
    if unknown:
        raise ConfigurationError(
            f"TRUSTED_PROXY_HEADERS may name {', '.join(PROXY_HEADERS)}, got {raw!r}"
        )
    return names


MIN_SECRET_KEY_LENGTH = 32


def _refuse_unsafe_production_settings(secret_key: str) -> None:
    """Production must not start half-configured: every problem is named at once.

    Each check but the secret key has an opt-out variable for a deliberate exception (a
    deployment that really wants mail as files, or the generated signing pair)."""
    problems = []
    if len(secret_key) < MIN_SECRET_KEY_LENGTH:
        problems.append(
            f"SECRET_KEY must be set and at least {MIN_SECRET_KEY_LENGTH} characters long "
            f"(it is {len(secret_key)}); generate one with: "
            'python -c "import secrets; print(secrets.token_urlsafe(48))"'
        )
    if not os.environ.get("PUBLIC_BASE_URL", "").strip() and not _env_bool(
        "ALLOW_DEFAULT_PUBLIC_BASE_URL"
    ):
        problems.append(
            "PUBLIC_BASE_URL is unset: every confirm link would point at 127.0.0.1 and no "
            "signature could be confirmed (set it to the public https:// address)"
        )
    if not os.environ.get("MAIL_SERVER", "").strip() and not _env_bool("ALLOW_MAIL_TO_FILES"):
        problems.append(
            "MAIL_SERVER is unset: mail would only be written to instance/outbox/ "
            "(set ALLOW_MAIL_TO_FILES=1 if that is really wanted)"
        )
    signing = [name for name in ("SIGNING_KEY_FILE", "SIGNING_CERT_FILE")
               if not os.environ.get(name, "").strip()]  # fmt: skip
    if signing and not _env_bool("ALLOW_DEMO_SIGNING_KEY"):
        problems.append(
            f"{' and '.join(signing)} unset: batches would be signed by a generated demo "
            "certificate (set ALLOW_DEMO_SIGNING_KEY=1 if that is really wanted)"
        )
    if problems:
        raise ConfigurationError(
            "PETITION_ENV=production refuses to start:\n  - " + "\n  - ".join(problems)
        )


def sqlite_file(database_url: str) -> Path | None:
    """The file of a `sqlite:///…` database URL, None for any other database."""
    if not database_url.startswith("sqlite:///"):
        return None
    path = database_url.removeprefix("sqlite:///").split("?", 1)[0]
    return Path(path) if path and path != ":memory:" else None


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
