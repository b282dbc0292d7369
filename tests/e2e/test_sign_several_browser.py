"""In headless Chromium with third-party cookies blocked: a person signs every petition of a
coalition at once from its form embedded on a campaign site of another origin, solving the
proof of work in the frame, then confirms all of them through the one link of the mail."""

from __future__ import annotations

import http.server
import re
from email import message_from_bytes, policy
from pathlib import Path

from sqlalchemy import select

from petition_service.extensions import db
from petition_service.models import Signature, SignatureStatus
from tests.e2e.test_embed_browser import browser, serve_in_thread, service  # noqa: F401
from tests.organisations.helpers import make_coalition


def _campaign_site() -> tuple[http.server.ThreadingHTTPServer, dict[str, bytes]]:
    """A page on another origin; its HTML is set once its address is known."""
    content: dict[str, bytes] = {"page": b""}

    class Page(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(content["page"])))
            self.end_headers()
            self.wfile.write(content["page"])

        def log_message(self, *args):
            pass

    return http.server.ThreadingHTTPServer(("127.0.0.1", 0), Page), content


def _mails(app) -> list:
    folder = Path(app.instance_path) / "outbox"
    return [message_from_bytes(path.read_bytes(), policy=policy.default)
            for path in sorted(folder.glob("*.eml"))]  # fmt: skip


def test_a_person_signs_every_petition_of_a_coalition_from_its_embedded_form(service, browser):  # noqa: F811
    app, service_port = service
    host, content = _campaign_site()
    # Two of the petitions may be framed only by this campaign site, the third anywhere.
    origin = f"http://localhost:{host.server_port}"
    coalition = make_coalition(app, origins=((origin,), (origin,), ()))
    content["page"] = f"""<!doctype html><html lang="vi"><head><meta charset="utf-8">
<title>#StopTheCrackdownVN</title></head><body><h1>Sign for all of them</h1>
<div id="campaign" data-organisation="{coalition.slug}" data-lang="en"></div>
<script>window.signedEvents = [];
document.addEventListener("petition:signed", e => window.signedEvents.push(e.detail));</script>
<script src="http://127.0.0.1:{service_port}/embed.js" async></script>
</body></html>""".encode()

    before = len(_mails(app))
    with serve_in_thread(host):
        context = browser.new_context()
        page = context.new_page()
        page.goto(f"{origin}/")
        frame = page.frame_locator("#campaign iframe")
        assert frame.locator("input[name=petitions]:checked").count() == 3
        frame.locator("#sign-name").fill("Đỗ Thị Mai")
        frame.locator("#sign-email").fill("mai.several@example.org")
        frame.locator("#sign-country").select_option("DE")
        frame.locator("#sign-city").fill("Berlin")
        frame.locator("#sign-consent").check()
        page.wait_for_timeout(1200)  # the time trap wants a second here
        frame.locator("button[type=submit]").click()
        frame.get_by_text("One more step").wait_for(timeout=30_000)
        page.wait_for_function("window.signedEvents.length > 0", timeout=10_000)
        assert page.evaluate("window.signedEvents") == [{"organisation": coalition.slug}]
        assert context.cookies() == []  # nothing needed a cookie

        # One mail for the three; its one confirm link, opened in the browser.
        [mail] = _mails(app)[before:]
        body = mail.get_body(preferencelist=("plain",)).get_content()
        [confirm] = re.findall(r"http://petitions\.example\.org(/confirm/\S+)", body)
        page.goto(f"http://127.0.0.1:{service_port}{confirm}")
        page.get_by_role("button", name="Confirm all my signatures").click()
        page.get_by_text("your signatures are confirmed").wait_for(timeout=10_000)
        assert page.locator("text=Confirmed: it counts.").count() == 3

        # Every petition's count grew, on the coalition's own page.
        page.goto(f"http://127.0.0.1:{service_port}/o/{coalition.slug}?lang=en")
        counts = page.locator(".card-open .card-count strong").all_inner_texts()
        assert counts == ["1", "1", "1"]
        context.close()

    with app.app_context():
        signatures = db.session.scalars(
            select(Signature).where(Signature.email == "mai.several@example.org")
        ).all()
        assert len(signatures) == 3
        assert {s.status for s in signatures} == {SignatureStatus.CONFIRMED}
        assert {(s.name, s.city, s.country) for s in signatures} == {("Đỗ Thị Mai", "Berlin", "DE")}


def test_the_form_signs_several_in_a_sandboxed_iframe_too(service, browser):  # noqa: F811
    """Where forms may not be submitted (an oEmbed consumer's sandbox), the frame sends the
    ticked petitions to the JSON API instead; an error shows beside the choice."""
    app, service_port = service
    coalition = make_coalition(app)
    src = f"http://127.0.0.1:{service_port}/o/{coalition.slug}/embed?lang=vi"
    host, content = _campaign_site()
    content["page"] = (f'<!doctype html><html lang="en"><head><title>Post</title></head><body>'
                       f'<iframe sandbox="allow-scripts" src="{src}" width="600" height="1400" '
                       f'title="Petitions"></iframe></body></html>').encode()  # fmt: skip
    with serve_in_thread(host) as host_port:
        context = browser.new_context()
        page = context.new_page()
        page.goto(f"http://localhost:{host_port}/")
        frame = page.frame_locator("iframe")
        for box in frame.locator("input[name=petitions]").all():
            box.uncheck()
        frame.locator("#sign-name").fill("Vũ Thị Sandbox")
        frame.locator("#sign-email").fill("sandbox.several@example.org")
        frame.locator("#sign-country").select_option("FR")
        frame.locator("#sign-consent").check()
        page.wait_for_timeout(1200)
        frame.locator("button[type=submit]").click()
        frame.locator("#sign-petitions-error").wait_for(timeout=30_000)
        frame.locator("input[name=petitions]").nth(1).check()
        frame.locator("input[name=petitions]").nth(2).check()
        frame.locator("button[type=submit]").click()
        frame.get_by_text("Xin cảm ơn! Chỉ còn một bước nữa").wait_for(timeout=30_000)
        assert context.cookies() == []
        context.close()
    with app.app_context():
        signed = db.session.scalars(
            select(Signature).where(Signature.email == "sandbox.several@example.org")
        ).all()
        assert len(signed) == 2 and {s.language for s in signed} == {"vi"}
