"""Batch rendering benchmark, against the app, as an operator runs it.

Each scenario is a whole `flask batch create` command (interpreter start, app start-up,
freeze, render, signing, storage) in its own process, so its peak RSS is its own (read with
os.wait4). The demo's open petition gets its synthetic signers (`demo load --signatures`:
one signer in three writes in a script other than Latin) once per scenario in a temp
instance; before every run the previous batch is dropped so the same signatures are
frozen again. The naive baseline lays out 200 letters as one WeasyPrint document, the way
a first version would, with the same template and stylesheet. Medians of --runs runs.

``--baseline DIR`` also runs another checkout of the code (e.g. ``git worktree add
/tmp/base main``) on the same instance, alternating with this one run by run, so both are
measured under the same load: compare those two columns only.

    .venv/bin/python bench/batch_render.py                  # all scenarios, 3 runs
    .venv/bin/python bench/batch_render.py --runs 1 letters # one scenario, once
    .venv/bin/python bench/batch_render.py --baseline /tmp/base letters annex
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FLASK = [sys.executable, "-m", "flask", "--app", "wsgi"]
SLUG = "free-tran-thi-nga"

# name: (mode, signatures)
SCENARIOS = {
    "naive": ("naive", 200),
    "letters": ("letters", 10_000),
    # Letters mode again at 5x and 10x the signers: their peak RSS beside the 10,000 one
    # gives the memory slope per signer (see BENCHMARKS.md, "Memory in letters mode").
    "letters-50k": ("letters", 50_000),
    "letters-100k": ("letters", 100_000),
    "annex": ("annex", 100_000),
}


def timed(command: list[str], env: dict[str, str], tree: Path) -> tuple[float, float, str]:
    """(wall seconds, peak RSS in MB, stdout) of one command, run in ``tree`` (whose
    `petition_service` it imports: the current directory comes first on the path)."""
    started = time.perf_counter()
    process = subprocess.Popen(  # noqa: S603  (our own interpreter and arguments)
        command, cwd=tree, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL
    )
    stdout = process.stdout.read().decode() if process.stdout else ""
    _pid, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed with status {process.returncode}")
    return elapsed, usage.ru_maxrss / 1024, stdout


def naive(count: int) -> None:
    """The baseline: one WeasyPrint document holding `count` letter pages."""
    import weasyprint

    from petition_service.letters.render import _ENV, FontSetFetcher, _stylesheet

    template = _ENV.get_template("letter.html")
    bodies = []
    texts = []
    for number in range(1, count + 1):
        values = {
            "lang": "en",
            "dir": "ltr",
            "stylesheet": "",
            "organisation": "Coalition for Prisoners of Conscience in Viet Nam (demo)",
            "issued_on": "22 November 2026",
            "petition_title": "Free Trần Thị Nga, jailed for speaking up",
            "subject_label": "Re",
            "recipient_name": "Nguyễn Phú Trọng",
            "recipient_title": "State President of the Socialist Republic of Viet Nam",
            "address_lines": ["Office of the State President", "Hà Nội", "Việt Nam"],
            "salutation": "Your Excellency,",
            "paragraphs": ["I am writing to ask you to release Trần Thị Nga at once. " * 6] * 3,
            "closing": "Yours sincerely,",
            "signature_lines": [
                {"cls": "who", "text": f"Nguyễn Thị Hoa {number}"},
                {"cls": "note", "text": "Huế, Việt Nam"},
            ],
        }
        page = template.render(**values)
        texts.append(page)
        body = page.split("<body>", 1)[1].split("</body>", 1)[0]
        bodies.append(f'<section style="break-after: page">{body}</section>')
    characters = "".join(sorted(set("".join(texts))))
    html = (
        '<!DOCTYPE html><html><head><meta charset="utf-8"><style>'
        + _stylesheet(characters, "SC")
        + "</style></head><body>"
        + "".join(bodies)
        + "</body></html>"
    )
    pdf = weasyprint.HTML(string=html, url_fetcher=FontSetFetcher(characters)).write_pdf()
    print(len(pdf))


def prepare(instance: Path, signatures: int, env: dict[str, str]) -> None:
    subprocess.run([*FLASK, "db", "upgrade"], cwd=ROOT, env=env, check=True, capture_output=True)  # noqa: S603
    subprocess.run(  # noqa: S603
        [*FLASK, "demo", "load", "--signatures", str(signatures)],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
    )


def unfreeze(instance: Path) -> None:
    """Drop the previous run's batch so the next run freezes the same signatures."""
    with sqlite3.connect(instance / "petitions.db") as connection:
        connection.execute("UPDATE signatures SET batch_id = NULL")
        connection.execute("DELETE FROM batch_documents")
        connection.execute("DELETE FROM batch_mails")  # the demo's own batch was mailed
        connection.execute("DELETE FROM batches")


def run_scenario(name: str, runs: int, trees: dict[str, Path]) -> dict[str, dict]:
    """Per code tree: the scenario's figures (the trees alternate run by run)."""
    mode, count = SCENARIOS[name]
    if mode == "naive":  # WeasyPrint alone: the same in both trees
        trees = {"this": trees["this"]}
    walls: dict[str, list[float]] = {label: [] for label in trees}
    rsss: dict[str, list[float]] = {label: [] for label in trees}
    pages: dict[str, int] = {}
    with tempfile.TemporaryDirectory(prefix="bench-letters-") as temp:
        instance = Path(temp)
        env = {
            **os.environ,
            "PETITION_INSTANCE_PATH": str(instance),
            "PYTHONWARNINGS": "ignore",
        }
        env.pop("DATABASE_URL", None)
        if mode != "naive":
            prepare(instance, count, env)
        for _ in range(runs):
            for label, tree in trees.items():
                if mode == "naive":
                    command = [sys.executable, str(Path(__file__)), "--naive", str(count)]
                    wall, rss, _out = timed(command, env, tree)
                    pages[label] = count
                else:
                    unfreeze(instance)
                    command = [*FLASK, "batch", "create", SLUG, "--mode", mode]
                    wall, rss, out = timed(command, env, tree)
                    batch_id = out.strip().splitlines()[-1]
                    with sqlite3.connect(instance / "petitions.db") as connection:
                        pages[label] = connection.execute(
                            "SELECT sum(pages) FROM batch_documents WHERE batch_id = ?",
                            (batch_id,),
                        ).fetchone()[0]
                walls[label].append(wall)
                rsss[label].append(rss)
    results = {}
    for label in trees:
        wall = statistics.median(walls[label])
        results[label] = {
            "signatures": count,
            "pages": pages[label],
            "median_s": wall,
            "pages_per_s": pages[label] / wall,
            "peak_rss_mb": statistics.median(rsss[label]),
            "runs": walls[label],
        }
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--baseline", type=Path, help="another checkout, run alternately")
    parser.add_argument("--naive", type=int, help=argparse.SUPPRESS)
    parser.add_argument("scenarios", nargs="*", default=list(SCENARIOS))
    args = parser.parse_args()
    if args.naive:
        sys.path.insert(0, str(ROOT))
        naive(args.naive)
        return
    trees = {"this": ROOT}
    if args.baseline:
        trees = {"baseline": args.baseline.resolve(), "this": ROOT}
    print(
        f"{'scenario':<13} {'code':<9} {'signatures':>10} {'pages':>7} {'median s':>9} "
        f"{'pages/s':>8} {'peak RSS MB':>11}  runs (s)"
    )
    for name in args.scenarios:
        for label, r in run_scenario(name, args.runs, trees).items():
            runs = " ".join(f"{w:.2f}" for w in r["runs"])
            print(
                f"{name:<13} {label:<9} {r['signatures']:>10,} {r['pages']:>7,} "
                f"{r['median_s']:>9.2f} {r['pages_per_s']:>8,.0f} {r['peak_rss_mb']:>11.0f}  "
                f"{runs}",
                flush=True,
            )


if __name__ == "__main__":
    main()
