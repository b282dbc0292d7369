"""Intake benchmark: signatures per second through the JSON API at several worker counts,
against the same server's /healthz and count endpoint, and against the straightforward
baseline handler (bench/naive_app.py) at the same worker counts, all in one run.

    .venv/bin/python bench/intake.py [--workers 2,4,8] [--seconds 15] [--runs 3]
                                     [--postgres URL --redis URL] [--skip-naive]

Each run goes through the worker counts in turn; at each count it measures, one after the
other, the embedded default, the naive handler and (with --postgres and --redis) the
scale-out configuration, so every comparison is between neighbours in time. Prints one line
per measurement, then medians per configuration and worker count and the issue 17 targets;
writes bench/results/intake.json. Loopback only; every phase is bounded by its seconds.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from contextlib import ExitStack, contextmanager
from pathlib import Path

from petition_service.health import wait_until_healthy

REPO = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
SLUG = "free-tran-thi-nga"
CONNECTIONS = 64


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


def wrk(url: str, script: str, seconds: int, *args: str, connections: int = CONNECTIONS) -> dict:
    command = ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--timeout", "5s",
               "-s", str(REPO / "bench" / script), url]  # fmt: skip
    if args:
        command += ["--", *args]
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    line = next(line for line in output.splitlines() if line.startswith("JSON "))
    result = json.loads(line[5:])
    result["rps"] = result["requests"] / (result["duration_us"] / 1e6)
    return result


def gunicorn(app: str, workers: int, port: int) -> list[str]:
    # Both servers as the README's production command serves ours: its gunicorn.conf.py (the
    # private access log, one line per request) and sync workers.
    return [str(BIN / "gunicorn"), "-c", str(REPO / "gunicorn.conf.py"), "-w", str(workers),
            "-b", f"127.0.0.1:{port}", app]  # fmt: skip


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


def fresh_postgres(server_url: str) -> tuple[str, str]:
    """A new database on the server: (its URL, its name)."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    name = f"petition_bench_{uuid.uuid4().hex[:8]}"
    engine = create_engine(server_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    return make_url(server_url).set(database=name).render_as_string(hide_password=False), name


def drop_postgres(server_url: str, name: str) -> None:
    from sqlalchemy import create_engine, text

    engine = create_engine(server_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    engine.dispose()


def count_signatures(database_url: str) -> int:
    from sqlalchemy import create_engine, text

    engine = create_engine(database_url)
    with engine.connect() as connection:
        count = connection.execute(text("SELECT count(*) FROM signatures")).scalar_one()
    engine.dispose()
    return count


def run_service(workers: int, options: argparse.Namespace, scale_out: bool, log: Path) -> dict:
    instance = Path(tempfile.mkdtemp(prefix="bench-instance-"))
    database_url = database_name = None
    redis_url = options.redis if scale_out else None
    if scale_out:
        subprocess.run(["redis-cli", "-u", redis_url, "flushdb"], check=True, capture_output=True)
        database_url, database_name = fresh_postgres(options.postgres)
    env = service_env(instance, database_url, redis_url)
    flask = [str(BIN / "flask"), "--app", "wsgi"]
    subprocess.run([*flask, "db", "upgrade"], cwd=REPO, env=env, check=True, capture_output=True)
    subprocess.run([*flask, "demo", "load"], cwd=REPO, env=env, check=True, capture_output=True)
    url = database_url or f"sqlite:///{instance}/petitions.db"
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    try:
        with ExitStack() as running:
            running.enter_context(process(gunicorn("wsgi:app", workers, port), env, log))
            if scale_out:
                running.enter_context(process([*flask, "worker"], env, log))
            wait_until_healthy(base)
            with urllib.request.urlopen(f"{base}/api/v1/petitions/{SLUG}") as response:  # noqa: S310
                token = json.load(response)["form_token"]
            time.sleep(3.2)  # the form token's time trap: a token is good after 3 s
            before = count_signatures(url)
            healthz = wrk(f"{base}/healthz", "get.lua", options.probe_seconds)
            count = wrk(f"{base}/api/v1/petitions/{SLUG}/count", "get.lua", options.probe_seconds)
            path = f"/api/v1/petitions/{SLUG}/signatures"
            sign = wrk(f"{base}{path}", "sign.lua", options.seconds, token, path,
                       uuid.uuid4().hex[:6])  # fmt: skip
            time.sleep(1)  # requests wrk gave up counting at its deadline finish
            stored = count_signatures(url) - before
    finally:
        if database_name:
            drop_postgres(options.postgres, database_name)
        shutil.rmtree(instance, ignore_errors=True)
    accepted = sign["requests"] - sign["non2xx"]
    return {"healthz": healthz, "count": count, "sign": sign, "accepted": accepted,
            "stored": stored}  # fmt: skip


def run_naive(workers: int, options: argparse.Namespace, log: Path) -> dict:
    folder = Path(tempfile.mkdtemp(prefix="bench-naive-"))
    database = folder / "naive.db"
    env = dict(os.environ, NAIVE_DB=str(database), PYTHONPATH=str(REPO))
    subprocess.run([sys.executable, "-c", "from bench.naive_app import create_schema; "
                    "create_schema()"], cwd=REPO, env=env, check=True)  # fmt: skip
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    try:
        with process(gunicorn("bench.naive_app:app", workers, port), env, log):
            wait_until_healthy(base)
            healthz = wrk(f"{base}/healthz", "get.lua", options.probe_seconds)
            sign = wrk(f"{base}/sign", "sign.lua", options.seconds, "unused", "/sign",
                       uuid.uuid4().hex[:6])  # fmt: skip
            time.sleep(1)
        with sqlite3.connect(database) as connection:
            stored = connection.execute("SELECT count(*) FROM signatures").fetchone()[0]
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return {"healthz": healthz, "sign": sign, "accepted": sign["requests"] - sign["non2xx"],
            "stored": stored}  # fmt: skip


def describe(name: str, workers: int, run: int, result: dict) -> str:
    sign = result["sign"]
    line = (f"run {run} {name:8} -w {workers:<2}: sign {sign['rps']:5.0f}/s "
            f"p50 {sign['p50_ms']:6.1f} ms p99 {sign['p99_ms']:6.1f} ms "
            f"5xx {sign.get('status_5xx', 0)} 429 {sign.get('status_429', 0)} "
            f"errors {sign['errors']} stored {result['stored']}/{result['accepted']} | "
            f"healthz {result['healthz']['rps']:5.0f}/s")  # fmt: skip
    if "count" in result:
        line += f" | count {result['count']['rps']:5.0f}/s"
    return line


def summarise(results: dict[str, dict[int, list[dict]]]) -> dict[tuple[str, int], dict]:
    medians = {}
    for name, by_workers in results.items():
        for workers, runs in by_workers.items():
            if not runs:
                continue
            row = {
                "sign": statistics.median(r["sign"]["rps"] for r in runs),
                "p50": statistics.median(r["sign"]["p50_ms"] for r in runs),
                "p99": statistics.median(r["sign"]["p99_ms"] for r in runs),
                "healthz": statistics.median(r["healthz"]["rps"] for r in runs),
                "ratio": statistics.median(r["sign"]["rps"] / r["healthz"]["rps"] for r in runs),
                "failures": sum(
                    r["sign"].get("status_5xx", 0) + r["sign"]["errors"] for r in runs
                ),  # fmt: skip
                "lost": sum(max(0, r["accepted"] - r["stored"]) for r in runs),
                "runs": [round(r["sign"]["rps"]) for r in runs],
            }
            if "count" in runs[0]:
                row["count"] = statistics.median(r["count"]["rps"] for r in runs)
            medians[(name, workers)] = row
    return medians


def print_summary(medians: dict[tuple[str, int], dict], runs: int) -> None:
    print(f"\nmedians of {runs} runs")
    print("configuration   workers  sign/s   p50 ms   p99 ms  healthz/s  sign/healthz  "
          "count/s  5xx+errors  lost  runs")  # fmt: skip
    for (name, workers), row in medians.items():
        count = f"{row['count']:7.0f}" if "count" in row else "      -"
        print(f"{name:15} {workers:7}  {row['sign']:6.0f}  {row['p50']:7.1f}  {row['p99']:7.1f}"
              f"  {row['healthz']:9.0f}  {row['ratio']:12.2f}  {count}  {row['failures']:10}"
              f"  {row['lost']:4}  {row['runs']}")  # fmt: skip
    print("\nissue 17 targets")
    worker_counts = sorted({workers for name, workers in medians if name == "embedded"})
    embedded = {w: medians[("embedded", w)]["sign"] for w in worker_counts}
    if 2 in embedded and 8 in embedded:
        met = "met" if embedded[8] >= embedded[2] else "NOT met"
        print(f"  embedded, 8 workers >= 2 workers: {embedded[8]:.0f} vs {embedded[2]:.0f}: {met}")
    if 8 in embedded and ("naive", 8) in medians:
        naive = medians[("naive", 8)]["sign"]
        met = "met" if embedded[8] >= naive else "NOT met"
        print(f"  embedded, 8 workers >= naive, 8 workers: {embedded[8]:.0f} vs {naive:.0f}: {met}")
    for (name, workers), row in medians.items():
        if name == "scale-out":
            met = "met" if row["ratio"] >= 0.35 else "NOT met"
            print(f"  scale-out, {workers} workers, sign / healthz >= 0.35: "
                  f"{row['ratio']:.2f}: {met}")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", default="2,4,8", help="gunicorn worker counts, e.g. 2,4,8")
    parser.add_argument("--seconds", type=int, default=15, help="length of each sign phase")
    parser.add_argument("--probe-seconds", type=int, default=5,
                        help="length of the /healthz and count phases")  # fmt: skip
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--postgres", help="server URL; a fresh database is made per run")
    parser.add_argument("--redis", help="Redis URL for the scale-out configuration")
    parser.add_argument("--skip-naive", action="store_true")
    parser.add_argument("--only", choices=["embedded", "scale-out", "naive"], action="append",
                        help="measure only these configurations (repeatable)")  # fmt: skip
    options = parser.parse_args()
    if shutil.which("wrk") is None:
        sys.exit("wrk is not installed: apt-get install wrk")
    worker_counts = [int(value) for value in options.workers.split(",") if value.strip()]
    configurations = ["embedded"]
    if not options.skip_naive:
        configurations.append("naive")
    if options.postgres and options.redis:
        configurations.append("scale-out")
    if options.only:
        configurations = [name for name in configurations if name in options.only]
    results_dir = REPO / "bench" / "results"
    results_dir.mkdir(exist_ok=True)
    log = results_dir / "intake-servers.log"

    results: dict[str, dict[int, list[dict]]] = {
        name: {workers: [] for workers in worker_counts} for name in configurations
    }
    for run in range(1, options.runs + 1):
        for workers in worker_counts:
            for name in configurations:
                if name == "naive":
                    result = run_naive(workers, options, log)
                else:
                    result = run_service(workers, options, name == "scale-out", log)
                results[name][workers].append(result)
                print(describe(name, workers, run, result), flush=True)

    medians = summarise(results)
    print_summary(medians, options.runs)
    (results_dir / "intake.json").write_text(
        json.dumps(
            {name: {str(w): runs for w, runs in by.items()} for name, by in results.items()},
            indent=1,
        )  # fmt: skip
    )


if __name__ == "__main__":
    main()
