"""Real app servers in separate processes (gunicorn), for what only several processes show:
limits shared through Redis, races between servers, jobs handed to a worker."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import flask_migrate

from petition_service.health import wait_until_healthy
from tests.conftest import make_test_app

VENV_BIN = Path(sys.executable).parent
REPO = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def migrate(database_url: str, instance: Path) -> None:
    app = make_test_app(database_url, instance)
    with app.app_context():
        flask_migrate.upgrade()
        app.extensions["sqlalchemy"].engine.dispose()


def service_environment(database_url: str, instance: Path, **extra: str) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("PYTEST")}
    env.update(
        PETITION_ENV="development",
        SECRET_KEY="servers-test-secret",
        DATABASE_URL=database_url,
        PETITION_INSTANCE_PATH=str(instance),
        PUBLIC_BASE_URL="http://petitions.example.org",
        FORM_MIN_SECONDS="0",
        # As in-process tests: the proof of work has tests of its own.
        SIGN_CHALLENGE="off",
        **extra,
    )
    return env


@contextmanager
def app_server(env: dict[str, str], workers: int = 2) -> Iterator[str]:
    """A gunicorn serving wsgi:app on a free port; yields its base URL."""
    port = free_port()
    process = subprocess.Popen(
        [str(VENV_BIN / "gunicorn"), "-w", str(workers), "-b", f"127.0.0.1:{port}", "wsgi:app"],
        cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        try:
            wait_until_healthy(base, is_alive=lambda: process.poll() is None)
        except RuntimeError as exc:
            raise RuntimeError(f"{exc}: {process.stderr.read().decode()[-2000:]}") from exc
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        if process.stderr:
            process.stderr.close()


@contextmanager
def worker_process(env: dict[str, str]) -> Iterator[subprocess.Popen]:
    """`flask worker`: consumes the Redis queue (batch renders, mail) until stopped."""
    process = subprocess.Popen(
        [str(VENV_BIN / "flask"), "--app", "wsgi", "worker", "--threads", "2"],
        cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        yield process
    finally:
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
