"""In headless Chromium: the form embedded the way WordPress embeds an oEmbed iframe
(sandboxed, on another site, third-party cookies blocked), the QR poster as printed, and the
organisation page on a phone."""

from __future__ import annotations

import http.server
import shutil
import subprocess

import pytest
from sqlalchemy import select

from petition_service.extensions import db
from petition_service.models import CaseStatus, Signature
from tests.e2e.test_embed_browser import browser, serve_in_thread, service  # noqa: F401
from tests.factories import make_organisation, make_petition, make_translation


def _host_page(html: str) -> http.server.ThreadingHTTPServer:
    page = html.encode()

    class Page(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(page)))
            self.end_headers()
            self.wfile.write(page)

        def log_message(self, *args):
            pass

    return http.server.ThreadingHTTPServer(("127.0.0.1", 0), Page)


def test_the_form_signs_inside_a_wordpress_style_sandboxed_iframe(service, browser):  # noqa: F811
    app, service_port = service
    with app.app_context():
        petition = make_petition(title="Free Nguyễn Văn Đài", language="en")
        make_translation(petition, title="Trả tự do cho Nguyễn Văn Đài")
        db.session.commit()
        slug = petition.slug
    # The petition's address pasted into WordPress: it asks our oEmbed endpoint...
    base = "http://petitions.example.org"  # PUBLIC_BASE_URL of the test app
    oembed = app.test_client().get(f"/oembed?url={base}/p/{slug}?lang=vi&format=json").json
    iframe = oembed["html"].replace(base, f"http://127.0.0.1:{service_port}")
    # ...and keeps of an untrusted provider's html only the iframe, sandboxed to scripts (no
    # forms, no same origin), with a secret in its address for the resize messages.
    iframe = iframe.replace("<iframe", '<iframe sandbox="allow-scripts" security="restricted"')
    iframe = iframe.replace('?lang=vi"', '?lang=vi#?secret=Kf8dsEfZXr"')
    assert 'sandbox="allow-scripts"' in iframe and "#?secret=" in iframe
    host = _host_page(f"""<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>A WordPress post</title></head><body>
<script>window.heights = [];
window.addEventListener("message", e => {{
  if (e.data && e.data.secret === "Kf8dsEfZXr" && e.data.message === "height")
    window.heights.push(e.data.value);
}});</script>
{iframe}</body></html>""")
    with serve_in_thread(host) as host_port:
        context = browser.new_context()
        page = context.new_page()
        page.goto(f"http://localhost:{host_port}/")
        frame = page.frame_locator("iframe")
        frame.locator("#sign-name").fill("Lê Thị Hồng")
        frame.locator("#sign-email").fill("hong.sandbox@example.org")
        frame.locator("#sign-country").select_option("DE")
        frame.locator("#sign-consent").check()
        page.wait_for_function("window.heights.length > 0", timeout=10_000)
        page.wait_for_timeout(1200)  # the form's time trap wants a second here
        frame.locator("button[type=submit]").click()
        # In Vietnamese, as the embed was asked for.
        frame.get_by_text("Xin cảm ơn! Chỉ còn một bước nữa").wait_for(timeout=10_000)
        assert context.cookies() == []
        context.close()
    with app.app_context():
        [signature] = db.session.scalars(
            select(Signature).where(Signature.email == "hong.sandbox@example.org")
        ).all()
        assert (signature.name, signature.country) == ("Lê Thị Hồng", "DE")
        assert signature.language == "vi"


def test_errors_show_beside_the_fields_in_the_sandboxed_iframe(service, browser):  # noqa: F811
    app, service_port = service
    with app.app_context():
        slug = make_petition(title="Free Nguyễn Ngọc Như Quỳnh").slug
        db.session.commit()
    src = f"http://127.0.0.1:{service_port}/embed/{slug}?lang=en"
    host = _host_page(f'<!doctype html><html lang="en"><head><title>Post</title></head><body>'
                      f'<iframe sandbox="allow-scripts" src="{src}" width="600" height="900" '
                      f'title="Petition"></iframe></body></html>')  # fmt: skip
    with serve_in_thread(host) as host_port:
        context = browser.new_context()
        page = context.new_page()
        page.goto(f"http://localhost:{host_port}/")
        frame = page.frame_locator("iframe")
        frame.locator("#sign-name").fill("Jo")
        frame.locator("#sign-email").fill("not-an-address")
        frame.locator("#sign-country").select_option("FR")
        frame.locator("#sign-consent").check()
        page.wait_for_timeout(1200)
        # The browser's own checks would stop a wrong address; the server's must show too.
        frame.locator("form.sign-form").evaluate("form => form.noValidate = true")
        frame.locator("button[type=submit]").click()
        error = frame.locator("#sign-email-error")
        error.wait_for(timeout=10_000)
        assert frame.locator("#sign-email").get_attribute("aria-invalid") == "true"
        context.close()


def test_the_printed_poster_carries_a_qr_code_of_the_petition(service, browser, tmp_path):  # noqa: F811
    zbarimg = shutil.which("zbarimg")
    if zbarimg is None:
        pytest.skip("zbarimg (zbar-tools) is needed to read the QR code")
    app, service_port = service
    with app.app_context():
        slug = make_petition(title="Free Trần Thị Nga", person_name="Trần Thị Nga").slug
        db.session.commit()
    context = browser.new_context(viewport={"width": 800, "height": 1200})
    page = context.new_page()
    page.goto(f"http://127.0.0.1:{service_port}/p/{slug}/poster")
    page.emulate_media(media="print")
    shot = tmp_path / "poster.png"
    page.locator(".poster-qr").screenshot(path=str(shot))
    context.close()
    decoded = subprocess.run([zbarimg, "--quiet", "--raw", str(shot)], capture_output=True,
                             text=True, check=True).stdout.strip()  # fmt: skip
    assert decoded == f"http://petitions.example.org/p/{slug}"


def test_the_coalition_page_fits_a_phone(service, browser):  # noqa: F811
    app, service_port = service
    with app.app_context():
        coalition = make_organisation(slug="phone-coalition", name="#StopTheCrackdownVN")
        for name in ("Nguyễn Văn Oai", "Nguyễn Ngọc Như Quỳnh", "Nguyễn Văn Đài"):
            make_petition(organisation=coalition, title=f"Free {name}", person_name=name,
                          case_status=CaseStatus.SENTENCED)  # fmt: skip
        db.session.commit()
    context = browser.new_context(viewport={"width": 360, "height": 740})
    page = context.new_page()
    page.goto(f"http://127.0.0.1:{service_port}/o/phone-coalition?lang=vi")
    assert page.locator(".card").count() == 3
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    page.fill("#search-q", "nguyen ngoc")
    page.click(".card-search button")
    page.wait_for_load_state()
    assert page.locator(".card").count() == 1
    context.close()
