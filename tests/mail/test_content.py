"""What the mail says and in which language, what signer-supplied text can do to it, and
how unusable links are answered."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select, update

from petition_service.extensions import db
from petition_service.mail.models import OutboxMessage
from petition_service.mail.outbox import queue_signature_mail
from petition_service.petitions.service import count_confirmed_signatures
from petition_service.signatures.lifecycle import purge_expired_pending
from petition_service.signatures.links import token_hash
from petition_service.signatures.models import SignatureLink, SignatureStatus
from petition_service.types import utcnow
from tests.factories import make_organisation, make_petition, make_signature, sign_petition
from tests.mail.conftest import html_part, link, text_part


def test_a_vietnamese_signer_gets_the_mail_and_pages_in_vietnamese(app, client, smtp):
    with app.app_context():
        petition = make_petition(title="Trả tự do cho Trần Thị Nga")
        sign_petition(petition, "nga@example.org", name="Nguyễn Văn An", language="vi")
    [mail] = smtp.messages
    assert mail["Subject"] == "Xin vui lòng xác nhận chữ ký của bạn: Trả tự do cho Trần Thị Nga"
    text = text_part(mail)
    # No greeting by the name given: whoever first used the address chose it.
    assert "Xin chào," in text and "Xin chào Nguyễn" not in text
    assert "Họ tên: Nguyễn Văn An" in text
    assert "Cảm ơn bạn đã ký kiến nghị “Trả tự do cho Trần Thị Nga”." in text
    assert "Xác nhận chữ ký của tôi" in html_part(mail)
    assert '<html lang="vi">' in html_part(mail)

    confirm = link(mail, "confirm")
    assert "lang=vi" in confirm
    page = client.get(confirm)
    assert '<html lang="vi">' in page.text and "Xác nhận chữ ký của tôi" in page.text
    thanks = client.get(client.post(confirm).headers["Location"])
    assert "chữ ký của bạn đã được xác nhận" in thanks.text


def test_signer_supplied_text_is_escaped_in_the_html_part(app, smtp):
    name = "<script>alert(1)</script>"
    with app.app_context():
        organisation = make_organisation(name='Rights & "Justice" <Now>')
        petition = make_petition(organisation=organisation, title="Free <b>her</b>")
        sign_petition(petition, "x@example.org", name=name)
    [mail] = smtp.messages
    body = html_part(mail)
    assert "<script>" not in body and "<b>her" not in body
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body
    assert "Free &lt;b&gt;her&lt;/b&gt;" in body
    assert "Rights &amp; &#34;Justice&#34; &lt;Now&gt;" in body
    # The text part is text: the name exactly as typed.
    assert f"Name: {name}" in text_part(mail)
    # A display name with quotes and brackets stays one sender.
    sender = mail["From"].addresses
    assert len(sender) == 1
    assert sender[0].display_name == 'Free <b>her</b> (Rights & "Justice" <Now>)'


def test_unusable_links_get_a_clear_page_never_a_500(app, client, smtp):
    with app.app_context():
        petition = make_petition()
        sign_petition(petition, "phuong@example.org")
        petition_id = petition.id
    [mail] = smtp.messages
    confirm, withdraw = link(mail, "confirm"), link(mail, "withdraw")
    token = confirm.split("/")[2].split("?")[0]

    for path in ("/confirm/nonsense", f"/confirm/{token[:-2]}xx", f"/withdraw/{token}"):
        for method in (client.get, client.post):
            response = method(path)
            assert response.status_code == 400, path
            assert "This link is not valid" in response.text

    # A confirm link is good for 7 days.
    with app.app_context():
        db.session.execute(
            update(SignatureLink)
            .where(SignatureLink.token_hash == token_hash(token))
            .values(expires_at=utcnow() - timedelta(seconds=1))
        )
        db.session.commit()
    for method in (client.get, client.post):
        response = method(confirm)
        assert response.status_code == 400
        assert "This link has expired" in response.text
    with app.app_context():
        assert count_confirmed_signatures(petition_id) == 0

    # A signature that was purged takes its links with it: they name nothing any more.
    with app.app_context():
        ttl = timedelta(hours=app.config["PENDING_SIGNATURE_TTL_HOURS"], minutes=1)
        assert purge_expired_pending(now=utcnow() + ttl) == 1
        db.session.commit()
        assert db.session.scalars(select(SignatureLink)).all() == []
    for path in (withdraw,):
        response = client.post(path)
        assert response.status_code == 400
        assert "This link is not valid" in response.text


def test_a_repeat_of_a_withdrawn_or_invalid_signature_sends_nothing(app):
    with app.app_context():
        petition = make_petition()
        invalid = make_signature(petition, status=SignatureStatus.INVALID)
        withdrawn = make_signature(petition, status=SignatureStatus.WITHDRAWN)
        assert queue_signature_mail(invalid, repeat=True) is None
        assert queue_signature_mail(withdrawn, repeat=True) is None
        assert db.session.scalars(select(OutboxMessage)).all() == []
        db.session.rollback()
