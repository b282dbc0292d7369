"""A local scale-out deployment: two app servers on two ports and a job worker, sharing
PostgreSQL and Redis. `make cluster` runs it; Ctrl-C stops everything.

    DATABASE_URL  postgresql+psycopg://postgres@127.0.0.1:5432/petitions (made if missing)
    REDIS_URL     redis://127.0.0.1:6379/0
    PORTS         "8001 8002"
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from petition_service.health import wait_until_healthy

REPO = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def ensure_database(url: str) -> None:
    target = make_url(url)
    admin = create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        exists = connection.execute(
            text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": target.database}
        ).scalar()
        if not exists:
            connection.execute(text(f'CREATE DATABASE "{target.database}"'))
            print(f"created database {target.database}")
    admin.dispose()


def main() -> None:
    database_url = os.environ.get(
        "DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/petitions"
    )
    redis_url = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
    ports = os.environ.get("PORTS", "8001 8002").split()
    env = dict(os.environ, DATABASE_URL=database_url, REDIS_URL=redis_url)
    env.setdefault("PUBLIC_BASE_URL", f"http://127.0.0.1:{ports[0]}")
    if database_url.startswith("postgresql"):
        ensure_database(database_url)
    flask = [str(BIN / "flask"), "--app", "wsgi"]
    subprocess.run([*flask, "db", "upgrade"], cwd=REPO, env=env, check=True)
    subprocess.run([*flask, "demo", "load"], cwd=REPO, env=env, check=True)

    processes = [
        subprocess.Popen(
            [
                str(BIN / "gunicorn"),
                "-c",
                "gunicorn.conf.py",
                "-w",
                "2",
                "-b",
                f"127.0.0.1:{port}",
                "wsgi:app",
            ],
            cwd=REPO,
            env=env,
        )  # fmt: skip
        for port in ports
    ]
    processes.append(subprocess.Popen([*flask, "worker"], cwd=REPO, env=env))
    # A TERM (from a supervisor, or `kill`) stops the cluster as Ctrl-C does, children first.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    try:
        for port in ports:
            wait_until_healthy(f"http://127.0.0.1:{port}")
        print("\nCluster up (Ctrl-C stops it):")
        for port in ports:
            print(f"  app server   http://127.0.0.1:{port}/p/free-tran-thi-nga")
        print(f"  worker       flask worker on {redis_url}")
        print(f"  database     {make_url(database_url).render_as_string(hide_password=True)}\n")
        while all(process.poll() is None for process in processes):
            time.sleep(1)
        print("a process exited; stopping the cluster", file=sys.stderr)
    except KeyboardInterrupt:
        pass
    finally:
        for process in processes:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()


if __name__ == "__main__":
    main()
