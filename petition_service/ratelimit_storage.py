"""Rate-limit counters in a SQLite file, shared by every process on the machine, and
counting several windows in one round trip on any storage.

The `limits` library keeps its memory storage per process, so with `gunicorn -w 4` each
worker would allow the full limit: four times too much. Without Redis, the embedded default
keeps its counters here instead (a file of its own beside the database, so a burst of
counting never waits for a signature being written): each hit is one atomic UPSERT, exact
across all processes. With REDIS_URL the counters live in Redis and this is not used.

`hit_all` and `refund_all` serve the sign limits, which count several windows per signature:
one statement (SQLite) or one script call (Redis) instead of one round trip per window.
"""

from __future__ import annotations

import os
import random
import secrets
import sqlite3
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import cast

import redis
from limits.storage import RedisStorage, Storage

_SCHEMA = """
CREATE TABLE IF NOT EXISTS counters (
    key TEXT PRIMARY KEY,
    count INTEGER NOT NULL,
    expires_at REAL NOT NULL
) WITHOUT ROWID
"""
# Random keys shared by every process of the machine (the client-hash key of the day).
_SECRETS_SCHEMA = """
CREATE TABLE IF NOT EXISTS secrets (
    name TEXT PRIMARY KEY,
    value BLOB NOT NULL,
    expires_at REAL NOT NULL
) WITHOUT ROWID
"""
# A window that has expired starts again at `amount`; a live one adds to its count.
_INCREMENT = """
INSERT INTO counters (key, count, expires_at) VALUES (?1, ?2, ?3 + ?4)
ON CONFLICT (key) DO UPDATE SET
    count = CASE WHEN expires_at <= ?3 THEN excluded.count ELSE count + excluded.count END,
    expires_at = CASE WHEN expires_at <= ?3 THEN excluded.expires_at ELSE expires_at END
RETURNING count
"""
_INCREMENT_MANY = """
INSERT INTO counters (key, count, expires_at) VALUES {rows}
ON CONFLICT (key) DO UPDATE SET
    count = CASE WHEN expires_at <= ? THEN excluded.count ELSE count + excluded.count END,
    expires_at = CASE WHEN expires_at <= ? THEN excluded.expires_at ELSE expires_at END
RETURNING key, count, expires_at
"""


class SQLiteStorage(Storage):
    """`sqlite:///absolute/path.db` as a Flask-Limiter storage URI (fixed-window strategy)."""

    STORAGE_SCHEME = ["sqlite"]

    def __init__(
        self, uri: str, wrap_exceptions: bool = False, **options: float | str | bool
    ) -> None:
        super().__init__(uri, wrap_exceptions=wrap_exceptions, **options)
        # sqlite:////abs/path.db or sqlite:///relative/path.db, as SQLAlchemy spells them.
        self.path = Path(uri.removeprefix("sqlite:///")).resolve()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._local = threading.local()

    @property
    def base_exceptions(self) -> type[Exception]:
        return sqlite3.Error

    def _connection(self) -> sqlite3.Connection:
        # One connection per thread and process (a forked worker must not reuse its parent's).
        connection = getattr(self._local, "connection", None)
        if connection is None or self._local.pid != os.getpid():
            connection = sqlite3.connect(self.path, timeout=10, isolation_level=None)
            connection.execute("PRAGMA journal_mode=WAL")
            # Counters are worth losing in a power cut, not worth an fsync per request.
            connection.execute("PRAGMA synchronous=OFF")
            connection.execute(_SCHEMA)
            connection.execute(_SECRETS_SCHEMA)
            self._local.connection = connection
            self._local.pid = os.getpid()
        return connection

    def incr(self, key: str, expiry: float, amount: int = 1) -> int:
        now = time.time()
        connection = self._connection()
        count = connection.execute(_INCREMENT, (key, amount, now, expiry)).fetchone()[0]
        if random.random() < 0.001:  # noqa: S311  (cheap, occasional housekeeping)
            connection.execute("DELETE FROM counters WHERE expires_at <= ?", (now,))
        return int(count)

    def incr_many(self, windows: Sequence[tuple[str, int]]) -> list[tuple[int, float]]:
        """Add one to each (key, expiry seconds) window in one statement, so in one
        transaction; returns each window's (count, reset time) in the order given."""
        now = time.time()
        statement = _INCREMENT_MANY.format(rows=", ".join(["(?, 1, ?)"] * len(windows)))
        parameters: list[object] = []
        for key, expiry in windows:
            parameters += [key, now + expiry]
        rows = self._connection().execute(statement, [*parameters, now, now]).fetchall()
        by_key = {key: (int(count), float(expires_at)) for key, count, expires_at in rows}
        return [by_key[key] for key, _ in windows]

    def decr_many(self, keys: Sequence[str]) -> None:
        placeholders = ", ".join(["?"] * len(keys))
        self._connection().execute(
            f"UPDATE counters SET count = count - 1 WHERE key IN ({placeholders})",  # noqa: S608
            list(keys),
        )

    def get(self, key: str) -> int:
        row = (
            self._connection()
            .execute(
                "SELECT count FROM counters WHERE key = ? AND expires_at > ?", (key, time.time())
            )
            .fetchone()
        )
        return int(row[0]) if row else 0

    def get_expiry(self, key: str) -> float:
        row = (
            self._connection()
            .execute("SELECT expires_at FROM counters WHERE key = ?", (key,))
            .fetchone()
        )
        return float(row[0]) if row and row[0] > time.time() else time.time()

    def check(self) -> bool:
        self._connection().execute("SELECT 1")
        return True

    def reset(self) -> int | None:
        return self._connection().execute("DELETE FROM counters").rowcount

    def clear(self, key: str) -> None:
        self._connection().execute("DELETE FROM counters WHERE key = ?", (key,))

    def shared_secret(self, name: str, lifetime: float) -> bytes:
        """The random secret `name`, made by the first process that asks; forgotten (and
        deleted from the file) once `lifetime` seconds have passed."""
        now = time.time()
        connection = self._connection()
        connection.execute("DELETE FROM secrets WHERE expires_at <= ?", (now,))
        connection.execute(
            "INSERT OR IGNORE INTO secrets (name, value, expires_at) VALUES (?, ?, ?)",
            (name, secrets.token_bytes(32), now + lifetime),
        )
        row = connection.execute("SELECT value FROM secrets WHERE name = ?", (name,)).fetchone()
        return bytes(row[0])

    def purge_expired(self) -> int:
        """Delete the windows that have ended (they hold keyed hashes of clients)."""
        return (
            self._connection()
            .execute("DELETE FROM counters WHERE expires_at <= ?", (time.time(),))
            .rowcount
        )


# Each key: add one, start its window when it has none (its first hit), return the count
# and the milliseconds left in the window.
_REDIS_INCR_MANY = b"""
local results = {}
for i, key in ipairs(KEYS) do
    local count = redis.call("incr", key)
    local left = redis.call("pttl", key)
    if left < 0 then
        redis.call("expire", key, ARGV[i])
        left = tonumber(ARGV[i]) * 1000
    end
    results[#results + 1] = count
    results[#results + 1] = left
end
return results
"""
# Only windows still open: decrementing an expired key would create one without an expiry.
_REDIS_DECR_EXISTING = b"""
for _, key in ipairs(KEYS) do
    if redis.call("exists", key) == 1 then
        redis.call("decr", key)
    end
end
return 0
"""


_process_secrets: dict[str, tuple[float, bytes]] = {}


def shared_secret(storage: Storage, name: str, lifetime: float) -> bytes:
    """A random secret every process using `storage` agrees on, kept only in that storage
    (Redis, or the counters file) and gone after `lifetime` seconds; per process with any
    other storage (the memory storage is per process anyway)."""
    if isinstance(storage, SQLiteStorage):
        return storage.shared_secret(name, lifetime)
    if isinstance(storage, RedisStorage):
        connection = cast("redis.Redis", storage.get_connection())
        key = f"petition-service:secret:{name}"
        connection.set(key, secrets.token_bytes(32), nx=True, ex=max(1, int(lifetime)))
        # redis-py types a reply as "maybe awaitable"; this client is the synchronous one.
        stored = cast("bytes | None", connection.get(key))
        if stored is not None:
            return stored
    now = time.time()
    expires_at, value = _process_secrets.get(name, (0.0, b""))
    if expires_at <= now:
        value = secrets.token_bytes(32)
        _process_secrets[name] = (now + lifetime, value)
    return value


def hit_all(storage: Storage, windows: Sequence[tuple[str, int]]) -> list[tuple[int, float]]:
    """Count one hit in every (key, expiry seconds) fixed window, in one round trip where
    the storage allows it. Returns (count after the hit, reset time) per window, in order."""
    if isinstance(storage, SQLiteStorage):
        return storage.incr_many(windows)
    if isinstance(storage, RedisStorage):
        connection = storage.get_connection()
        flat = connection.register_script(_REDIS_INCR_MANY)(
            keys=[storage.prefixed_key(key) for key, _ in windows],
            args=[expiry for _, expiry in windows],
        )
        now = time.time()
        return [
            (int(flat[i]), now + max(int(flat[i + 1]), 0) / 1000) for i in range(0, len(flat), 2)
        ]
    return [(storage.incr(key, expiry), storage.get_expiry(key)) for key, expiry in windows]


def refund_all(storage: Storage, windows: Sequence[tuple[str, int]]) -> None:
    """Take back one hit from each window (a refused request must not use up a limit)."""
    if isinstance(storage, SQLiteStorage):
        storage.decr_many([key for key, _ in windows])
    elif isinstance(storage, RedisStorage):
        storage.get_connection().register_script(_REDIS_DECR_EXISTING)(
            keys=[storage.prefixed_key(key) for key, _ in windows]
        )
    else:
        for key, expiry in windows:
            storage.incr(key, expiry, amount=-1)
