"""Rate-limit counters in a SQLite file, shared by every process on the machine.

The `limits` library keeps its memory storage per process, so with `gunicorn -w 4` each
worker would allow the full limit: four times too much. Without Redis, the embedded default
keeps its counters here instead (a file of its own beside the database, so a burst of
counting never waits for a signature being written): each hit is one atomic UPSERT, exact
across all processes. With REDIS_URL the counters live in Redis and this is not used.
"""

from __future__ import annotations

import os
import random
import sqlite3
import threading
import time
from pathlib import Path

from limits.storage import Storage

_SCHEMA = """
CREATE TABLE IF NOT EXISTS counters (
    key TEXT PRIMARY KEY,
    count INTEGER NOT NULL,
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


class SQLiteStorage(Storage):
    """`sqlite:///absolute/path.db` as a Flask-Limiter storage URI (fixed-window strategy)."""

    STORAGE_SCHEME = ["sqlite"]

    def __init__(self, uri: str, wrap_exceptions: bool = False, **options: object) -> None:
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
