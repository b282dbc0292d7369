"""Intake benchmark: signatures per second through the JSON API, served as the contract says
(gunicorn -w 4), against the same server's /healthz and count endpoint, and against the
straightforward baseline handler (bench/naive_app.py), all in one run.

    .venv/bin/python bench/intake.py [--seconds 30] [--runs 3] [--postgres URL --redis URL]

Prints one line per measurement and a summary of medians; writes bench/results/intake.json.
Loopback only; every run is bounded by --seconds.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from contextlib import contextmanager
from pathlib import Path

from petition_service.health import wait_until_healthy

REPO = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
SLUG = "free-tran-thi-nga"


def free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def process(args: list[str], env: dict[str, str], log: Path):
    with open(log, "ab") as out:
        proc = subprocess.Popen(args, cwd=REPO, env=env, stdout=out, stderr=subprocess.STDOUT,
                                start_new_session=True)  # fmt: skip
        try:
            yield proc
        finally:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()


def wrk(url: str, script: str, seconds: int, *args: str, connections: int = 64) -> dict:
    command = ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--timeout", "5s",
               "-s", str(REPO / "bench" / script), url]  # fmt: skip
    if args:
        command += ["--", *args]
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    line = next(line for line in output.splitlines() if line.startswith("JSON "))
    result = json.loads(line[5:])
    result["rps"] = result["requests"] / (result["duration_us"] / 1e6)
    return result


def service_env(instance: Path, database_url: str | None, redis_url: str | None) -> dict:
    env = dict(os.environ)
    env.update(
        PETITION_ENV="production",
        SECRET_KEY="bench-" + uuid.uuid4().hex,
        PETITION_INSTANCE_PATH=str(instance),
        # wrk plays the reverse proxy: X-Forwarded-For names a different client each request.
        TRUSTED_PROXY_HOPS="1",
        # Production refuses to start half-configured; mail to files and the generated
        # signing pair are what the benchmark wants.
        PUBLIC_BASE_URL="http://127.0.0.1",
        ALLOW_MAIL_TO_FILES="1",
        ALLOW_DEMO_SIGNING_KEY="1",
        # wrk's addresses share a few hundred /24s: the per-network windows and the surge
        # thresholds are still counted on every signature (their cost is measured), but set
        # out of reach, so every request is a signature, not a 429 or a challenge.
        SIGN_LIMIT_PER_NETWORK="100000000 per minute; 100000000 per hour",
        SIGN_SURGE_PER_NETWORK="100000000 per minute",
        SIGN_SURGE_PER_PETITION="100000000 per minute",
    )
    for name in ("DATABASE_URL", "REDIS_URL", "MAIL_SERVER"):
        env.pop(name, None)
    if database_url:
        env["DATABASE_URL"] = database_url
    if redis_url:
        env["REDIS_URL"] = redis_url
    return env


def fresh_postgres(server_url: str) -> str:
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    name = f"petition_bench_{uuid.uuid4().hex[:8]}"
    engine = create_engine(server_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    return make_url(server_url).set(database=name).render_as_string(hide_password=False)


def count_signatures(database_url: str) -> int:
    from sqlalchemy import create_engine, text

    engine = create_engine(database_url)
    with engine.connect() as connection:
        count = connection.execute(text("SELECT count(*) FROM signatures")).scalar_one()
    engine.dispose()
    return count


def run_service(seconds: int, database_url: str | None, redis_url: str | None, log: Path) -> dict:
    instance = Path(tempfile.mkdtemp(prefix="bench-instance-"))
    env = service_env(instance, database_url, redis_url)
    flask = [str(BIN / "flask"), "--app", "wsgi"]
    subprocess.run([*flask, "db", "upgrade"], cwd=REPO, env=env, check=True, capture_output=True)
    subprocess.run([*flask, "demo", "load"], cwd=REPO, env=env, check=True, capture_output=True)
    url = database_url or f"sqlite:///{instance}/petitions.db"
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    gunicorn = [str(BIN / "gunicorn"), "-w", "4", "-b", f"127.0.0.1:{port}", "wsgi:app"]
    with process(gunicorn, env, log):
        worker = process([*flask, "worker"], env, log) if redis_url else None
        if worker:
            worker.__enter__()
        try:
            wait_until_healthy(base)
            with urllib.request.urlopen(f"{base}/api/v1/petitions/{SLUG}") as response:  # noqa: S310
                token = json.load(response)["form_token"]
            time.sleep(3.2)  # the form token's time trap: a token is good after 3 s
            before = count_signatures(url)
            healthz = wrk(f"{base}/healthz", "get.lua", max(10, seconds // 3))
            count = wrk(f"{base}/api/v1/petitions/{SLUG}/count", "get.lua", max(10, seconds // 3))
            path = f"/api/v1/petitions/{SLUG}/signatures"
            sign = wrk(f"{base}{path}", "sign.lua", seconds, token, path, uuid.uuid4().hex[:6])
            time.sleep(1)
            stored = count_signatures(url) - before
            # The same load from fewer connections at once: 4 sync workers serve 4 requests
            # at a time, so the other connections only wait in the listen queue, and p99 at
            # 64 connections is mostly that wait (Little's law: 64 / throughput).
            sign_16 = wrk(f"{base}{path}", "sign.lua", max(10, seconds // 3), token, path,
                          uuid.uuid4().hex[:6], connections=16)  # fmt: skip
        finally:
            if worker:
                worker.__exit__(None, None, None)
    accepted = sign["requests"] - sign["non2xx"]
    return {"healthz": healthz, "count": count, "sign": sign, "accepted": accepted,
            "stored": stored, "sign_16": sign_16}  # fmt: skip


def run_naive(seconds: int, log: Path) -> dict:
    database = Path(tempfile.mkdtemp(prefix="bench-naive-")) / "naive.db"
    env = dict(os.environ, NAIVE_DB=str(database), PYTHONPATH=str(REPO))
    subprocess.run([sys.executable, "-c", "from bench.naive_app import create_schema; "
                    "create_schema()"], cwd=REPO, env=env, check=True)  # fmt: skip
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    gunicorn = [str(BIN / "gunicorn"), "-w", "2", "-b", f"127.0.0.1:{port}", "bench.naive_app:app"]
    with process(gunicorn, env, log):
        wait_until_healthy(base)
        healthz = wrk(f"{base}/healthz", "get.lua", max(10, seconds // 3))
        sign = wrk(f"{base}/sign", "sign.lua", seconds, "unused", "/sign", uuid.uuid4().hex[:6])
    stored = sqlite3.connect(database).execute("SELECT count(*) FROM signatures").fetchone()[0]
    return {"healthz": healthz, "sign": sign, "accepted": sign["requests"] - sign["non2xx"],
            "stored": stored}  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=30)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--postgres", help="server URL; a fresh database is made per run")
    parser.add_argument("--redis", help="Redis URL for the scale-out configuration")
    parser.add_argument("--skip-naive", action="store_true")
    options = parser.parse_args()
    results_dir = REPO / "bench" / "results"
    results_dir.mkdir(exist_ok=True)
    log = results_dir / "intake-servers.log"

    configs = [("embedded", None, None)]
    if options.postgres and options.redis:
        configs.append(("postgres+redis", "postgres", options.redis))
    results: dict[str, list[dict]] = {name: [] for name, _, _ in configs}
    if not options.skip_naive:
        results["naive"] = []
    for run in range(options.runs):
        for name, database, redis_url in configs:
            if redis_url:
                subprocess.run(["redis-cli", "-u", redis_url, "flushdb"], check=True,
                               capture_output=True)  # fmt: skip
            url = fresh_postgres(options.postgres) if database else None
            result = run_service(options.seconds, url, redis_url, log)
            results[name].append(result)
            sign = result["sign"]
            print(f"run {run + 1} {name}: sign {sign['rps']:.0f}/s p99 {sign['p99_ms']:.1f} ms "
                  f"5xx {sign['status_5xx']} 429 {sign['status_429']} errors {sign['errors']} "
                  f"stored {result['stored']}/{result['accepted']} | healthz "
                  f"{result['healthz']['rps']:.0f}/s | count {result['count']['rps']:.0f}/s | "
                  f"16 connections: sign {result['sign_16']['rps']:.0f}/s p99 "
                  f"{result['sign_16']['p99_ms']:.1f} ms",
                  flush=True)  # fmt: skip
        if not options.skip_naive:
            naive = run_naive(options.seconds, log)
            results["naive"].append(naive)
            print(f"run {run + 1} naive: sign {naive['sign']['rps']:.0f}/s p99 "
                  f"{naive['sign']['p99_ms']:.1f} ms | healthz {naive['healthz']['rps']:.0f}/s",
                  flush=True)  # fmt: skip

    print("\nmedians of", options.runs, "runs")
    for name, runs in results.items():
        sign = statistics.median(r["sign"]["rps"] for r in runs)
        p99 = statistics.median(r["sign"]["p99_ms"] for r in runs)
        health = statistics.median(r["healthz"]["rps"] for r in runs)
        ratio = statistics.median(r["sign"]["rps"] / r["healthz"]["rps"] for r in runs)
        line = (f"{name:15} sign {sign:7.0f}/s  p99 {p99:6.1f} ms  healthz {health:7.0f}/s  "
                f"sign/healthz {ratio:4.2f}")  # fmt: skip
        if "sign_16" in runs[0]:
            p99_16 = statistics.median(r["sign_16"]["p99_ms"] for r in runs)
            line += f"  p99 at 16 connections {p99_16:5.1f} ms"
        if "count" in runs[0]:
            count = statistics.median(r["count"]["rps"] for r in runs)
            count_ratio = statistics.median(r["count"]["rps"] / r["healthz"]["rps"] for r in runs)
            line += f"  count {count:7.0f}/s  count/healthz {count_ratio:4.2f}"
        lost = sum(r["accepted"] - r["stored"] for r in runs)
        failures = sum(r[phase].get("status_5xx", 0) + r[phase]["errors"]
                       for r in runs for phase in ("sign", "sign_16") if phase in r)  # fmt: skip
        line += f"  5xx+socket errors {failures}  lost {lost}"
        print(line)
    (results_dir / "intake.json").write_text(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
