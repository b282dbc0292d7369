"""A person signs from a campaign page on another site, in headless Chromium.

The campaign page (http://localhost:<port>) and the service (http://127.0.0.1:<port>) are
different sites, so the iframe is third-party: it gets no cookies, and the flow must not need any.
"""

from __future__ import annotations

import http.server
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager

import flask_migrate
import pytest
from sqlalchemy import select
from werkzeug.serving import make_server

from petition_service.extensions import db
from petition_service.models import Petition, Signature
from tests.conftest import make_test_app
from tests.factories import make_petition

CHROMIUM = "/usr/bin/chromium"
pytestmark = pytest.mark.skipif(
    not os.path.exists(CHROMIUM), reason=f"browser tests need Chromium at {CHROMIUM}"
)
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic",
    # Block third-party cookies, as Safari and Firefox do by default.
    "--test-third-party-cookie-phaseout",
]  # fmt: skip


@contextmanager
def serve_in_thread(server) -> Iterator[int]:
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_port
    finally:
        server.shutdown()
        thread.join(timeout=5)
        server.server_close()


def campaign_server(service_port: int, slug: str) -> http.server.ThreadingHTTPServer:
    page = f"""<!doctype html><html lang="vi"><head><meta charset="utf-8">
<title>Campaign</title></head><body><h1>Our campaign</h1>
<div id="petition" data-petition="{slug}" data-lang="en"></div>
<script>window.signedEvents = [];
document.addEventListener("petition:signed",
                          e => window.signedEvents.push(e.detail.petition));</script>
<script src="http://127.0.0.1:{service_port}/embed.js" async></script>
</body></html>""".encode()

    class CampaignPage(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(page)))
            self.end_headers()
            self.wfile.write(page)

        def log_message(self, *args):
            pass

    return http.server.ThreadingHTTPServer(("127.0.0.1", 0), CampaignPage)


@pytest.fixture(scope="module")
def service(tmp_path_factory):
    directory = tmp_path_factory.mktemp("e2e")
    # The proof of work is always due here, at its default cost: the person below solves it
    # in the background, as a signer would.
    app = make_test_app(f"sqlite:///{directory}/e2e.db", directory / "instance",
                        FORM_MIN_SECONDS=1, SIGN_CHALLENGE="always")  # fmt: skip
    with app.app_context():
        flask_migrate.upgrade()
    # Threaded: the browser loads the page, the script and the iframe at once.
    with serve_in_thread(make_server("127.0.0.1", 0, app, threaded=True)) as port:
        yield app, port
    with app.app_context():
        db.engine.dispose()


@pytest.fixture(scope="module")
def browser():
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as playwright:
        # The letters tests empty fontconfig for this process; the browser needs real fonts.
        env = {key: value for key, value in os.environ.items() if key != "FONTCONFIG_FILE"}
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, env=env)
        yield browser
        browser.close()


def _petition(app, allowed_origins):
    with app.app_context():
        petition = make_petition(allowed_origins=allowed_origins, title="Free Trần Thị Nga")
        db.session.commit()
        return petition.slug


def test_a_person_signs_in_the_embedded_iframe(service, browser):
    app, service_port = service
    slug = _petition(app, [])
    host = campaign_server(service_port, slug)
    host_port = host.server_port
    with app.app_context():
        # Only this campaign page may frame the form.
        petition = db.session.scalar(select(Petition).where(Petition.slug == slug))
        petition.allowed_origins = [f"http://localhost:{host_port}"]
        db.session.commit()

    with serve_in_thread(host):
        context = browser.new_context()
        page = context.new_page()
        page.goto(f"http://localhost:{host_port}/")
        frame = page.frame_locator("#petition iframe")
        frame.locator("#sign-name").fill("Nguyễn Thị Hoa")
        # The iframe grows to its content (the loader's minimum is 360 px).
        page.wait_for_function(
            "document.querySelector('#petition iframe').getBoundingClientRect().height > 420",
            timeout=10_000,
        )

        frame.locator("#sign-email").fill("hoa.e2e@example.org")
        frame.locator("#sign-country").select_option("VN")
        frame.locator("#sign-city").fill("Huế")
        frame.locator("#sign-consent").check()
        page.wait_for_timeout(1200)  # a person takes a moment; the time trap wants >= 1 s here
        frame.locator("button[type=submit]").click()
        frame.get_by_text("One more step").wait_for(timeout=20_000)
        page.wait_for_function("window.signedEvents.length > 0", timeout=10_000)
        assert page.evaluate("window.signedEvents") == [slug]
        # Nothing in the flow set a cookie, so blocking third-party cookies cannot break it.
        assert context.cookies() == []
        context.close()

    with app.app_context():
        [signature] = db.session.scalars(select(Signature)).all()
        assert (signature.name, signature.city, signature.country) == (
            "Nguyễn Thị Hoa",
            "Huế",
            "VN",
        )


def test_without_its_proof_of_work_the_form_is_refused_and_asks_again(service, browser):
    """A browser that does not run the solver (scripts off) gets the form back with the
    reason and its values, in the frame; the form it gets back carries a new challenge."""
    app, service_port = service
    slug = _petition(app, [])
    with serve_in_thread(campaign_server(service_port, slug)) as host_port:
        context = browser.new_context(java_script_enabled=False)
        page = context.new_page()
        page.goto(f"http://127.0.0.1:{service_port}/embed/{slug}?lang=en")
        page.locator("#sign-name").fill("Lê Văn Bot")
        page.locator("#sign-email").fill("bot.e2e@example.org")
        page.locator("#sign-country").select_option("VN")
        page.locator("#sign-consent").check()
        page.wait_for_timeout(1100)
        page.locator("button[type=submit]").click()
        page.get_by_text("security check").wait_for(timeout=10_000)
        assert page.locator("#sign-name").input_value() == "Lê Văn Bot"
        context.close()
        assert host_port
    with app.app_context():
        refused = select(Signature).where(Signature.name == "Lê Văn Bot")
        assert db.session.scalars(refused).all() == []


def test_a_site_not_on_the_list_cannot_frame_the_form(service, browser):
    app, service_port = service
    slug = _petition(app, ["https://only-this-campaign.example"])
    with serve_in_thread(campaign_server(service_port, slug)) as host_port:
        context = browser.new_context()
        page = context.new_page()
        page.goto(f"http://localhost:{host_port}/")
        page.wait_for_timeout(1500)
        # The loader did its part: the iframe is there, pointing at the form...
        src = page.get_attribute("#petition iframe", "src")
        assert src == f"http://127.0.0.1:{service_port}/embed/{slug}?lang=en"
        # ...but Chromium refused to show it (frame-ancestors), so it holds an error page.
        child_frames = [frame for frame in page.frames if frame != page.main_frame]
        assert len(child_frames) == 1
        assert child_frames[0].url.startswith("chrome-error://")
        assert page.frame_locator("#petition iframe").locator("#sign-name").count() == 0
        context.close()
