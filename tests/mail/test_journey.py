"""The whole journey through the public surface: sign in the form, receive the mail over
SMTP, confirm, see the count rise; a repeat and a honeypot send nothing new."""

from __future__ import annotations

from petition_service.extensions import db
from tests.factories import make_petition
from tests.mail.conftest import link, text_part
from tests.signatures.helpers import post_signature


def _count(client, slug):
    return client.get(f"/api/v1/petitions/{slug}").json["signature_count"]


def test_sign_receive_confirm_and_count(app, client, smtp):
    with app.app_context():
        slug = make_petition(title="Free Trần Thị Nga").slug
        db.session.commit()

    assert post_signature(client, slug, email="Thu.Journey@example.org",
                          name="Phạm Thị Thu").status_code == 303  # fmt: skip
    assert _count(client, slug) == 0
    [mail] = smtp.messages
    assert mail["To"] == "thu.journey@example.org"
    assert "Phạm Thị Thu" in text_part(mail)

    # A repeat is answered like a new signature and gets an email, but no second signature.
    assert post_signature(client, slug, email="thu.journey@EXAMPLE.org").status_code == 303
    # The honeypot is answered the same and sends nothing.
    assert post_signature(client, slug, email="bot@example.org", website="x").status_code == 303
    assert len(smtp.messages) == 2

    confirm = link(mail, "confirm")
    assert client.get(confirm).status_code == 200
    assert _count(client, slug) == 0  # a GET (a mail scanner) confirms nothing
    assert client.post(confirm).status_code in (200, 303)
    assert _count(client, slug) == 1


def test_rate_limited_submissions_send_no_mail(app, client, smtp):
    with app.app_context():
        slug = make_petition().slug
        db.session.commit()
    assert (
        post_signature(client, slug, address="203.0.113.80", email="one@example.org").status_code
        == 303
    )
    assert (
        post_signature(client, slug, address="203.0.113.80", email="two@example.org").status_code
        == 429
    )
    assert [m["To"] for m in smtp.messages] == ["one@example.org"]
