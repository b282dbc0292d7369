"""How long a browser takes to solve the sign form's proof of work (ALTCHA), in Chromium.

Serves the app on loopback, opens the embed form in headless Chromium (Playwright, Debian's
/usr/bin/chromium) and has the form's own worker (static/altcha-worker.js) solve fresh
challenges at several `maxnumber` costs,
in the worker and, to estimate a slow phone, on the main thread under Chromium's CPU
throttling (4x and 6x: how Lighthouse approximates a mid-range and a slow phone; throttling
does not reach workers). Prints the median and the 90th percentile per setting.

    .venv/bin/python bench/challenge_solve.py [--runs 15] [--max 50000 100000 250000]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import threading
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic",
]  # fmt: skip

# In the form's own worker, as a signer's browser runs it.
IN_WORKER = """async ([url, worker]) => {
  const challenge = await (await fetch(url, {credentials: "omit", cache: "no-store"})).json();
  return await new Promise((resolve) => {
    const w = new Worker(worker);
    w.onmessage = (e) => { w.terminate(); resolve(e.data); };
    w.postMessage({salt: challenge.salt, challenge: challenge.challenge,
                   max: challenge.maxnumber});
  });
}"""
# The same solver on the page's main thread, which Chromium's CPU throttling slows down (it
# does not reach workers): the estimate for a slow phone.
ON_MAIN_THREAD = """async ([url, worker]) => {
  if (!window.solve) {
    const source = await (await fetch(worker)).text();
    (0, eval)(source.replace("self.onmessage", "self.unused").replace('"use strict";', ""));
  }
  const challenge = await (await fetch(url, {credentials: "omit", cache: "no-store"})).json();
  const started = performance.now();
  const number = solve(challenge.salt, challenge.challenge, challenge.maxnumber);
  return {number: number, took: performance.now() - started};
}"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--max", type=int, nargs="+", default=[50_000, 100_000, 250_000])
    parser.add_argument("--throttle", type=float, nargs="+", default=[1, 4, 6])
    options = parser.parse_args()

    import flask_migrate
    from playwright.sync_api import sync_playwright
    from werkzeug.serving import make_server

    from petition_service.extensions import db
    from tests.conftest import make_test_app
    from tests.factories import make_petition

    directory = Path(tempfile.mkdtemp(prefix="bench-challenge-"))
    app = make_test_app(f"sqlite:///{directory}/b.db", directory / "instance",
                        SIGN_CHALLENGE="always")  # fmt: skip
    with app.app_context():
        flask_migrate.upgrade()
        slug = make_petition().slug
        db.session.commit()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_port}"
    env = {key: value for key, value in os.environ.items() if key != "FONTCONFIG_FILE"}

    header = ("maxnumber", "where", "cpu", "median ms", "p90 ms", "max ms")
    print("{:>10} {:>8} {:>4} {:>10} {:>8} {:>8}".format(*header))
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS, env=env)
        page = browser.new_page()
        page.goto(f"{base}/embed/{slug}")
        cdp = page.context.new_cdp_session(page)
        worker = f"{base}/static/altcha-worker.js"
        for maxnumber in options.max:
            app.config["SIGN_CHALLENGE_MAX_NUMBER"] = maxnumber
            url = f"{base}/api/v1/petitions/{slug}/challenge"
            settings = [("worker", IN_WORKER, 1)] + [
                ("main", ON_MAIN_THREAD, rate) for rate in options.throttle
            ]
            for where, script, rate in settings:
                cdp.send("Emulation.setCPUThrottlingRate", {"rate": rate})
                took = []
                for _ in range(options.runs):
                    result = page.evaluate(script, [url, worker])
                    assert result["number"] is not None
                    took.append(result["took"])
                took.sort()
                p90 = took[max(0, round(0.9 * len(took)) - 1)]
                print(f"{maxnumber:>10} {where:>8} {rate:>3g}x "
                      f"{statistics.median(took):>10.0f} {p90:>8.0f} {took[-1]:>8.0f}",
                      flush=True)  # fmt: skip
            cdp.send("Emulation.setCPUThrottlingRate", {"rate": 1})
        browser.close()
    server.shutdown()


if __name__ == "__main__":
    main()
