"""How long `flask demo load --signatures 100000` takes (bulk inserts), as a whole command in
a fresh instance each run. Medians of --runs; peak RSS of the command.

    .venv/bin/python bench/demo_load.py [--signatures 100000] [--runs 3]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
FLASK = [str(Path(sys.executable).parent / "flask"), "--app", "wsgi"]


def one_run(signatures: int) -> tuple[float, float]:
    instance = tempfile.mkdtemp(prefix="bench-demo-")
    env = dict(os.environ, PETITION_INSTANCE_PATH=instance)
    env.pop("DATABASE_URL", None)
    subprocess.run([*FLASK, "db", "upgrade"], cwd=REPO, env=env, check=True, capture_output=True)
    started = time.perf_counter()
    command = [*FLASK, "demo", "load", "--signatures", str(signatures)]
    quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL}
    with subprocess.Popen(command, cwd=REPO, env=env, **quiet) as proc:
        _pid, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
    elapsed = time.perf_counter() - started
    if proc.returncode:
        raise SystemExit(f"demo load failed with {proc.returncode}")
    peak_mb = usage.ru_maxrss / 1024 if sys.platform != "darwin" else usage.ru_maxrss / 2**20
    return elapsed, peak_mb


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--signatures", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=3)
    options = parser.parse_args()
    runs = [one_run(options.signatures) for _ in range(options.runs)]
    seconds = [r[0] for r in runs]
    print(f"demo load --signatures {options.signatures}: median {statistics.median(seconds):.2f} s "
          f"(runs {' '.join(f'{s:.2f}' for s in seconds)}), peak RSS "
          f"{statistics.median(r[1] for r in runs):.0f} MB")  # fmt: skip


if __name__ == "__main__":
    main()
