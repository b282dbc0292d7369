"""The confirmation mail end to end: sign -> outbox -> real SMTP -> links -> pages."""

from __future__ import annotations

import html
from datetime import timedelta
from email.utils import parsedate_to_datetime

from sqlalchemy import select

from petition_service.extensions import db
from petition_service.mail.models import OutboxMessage, OutboxStatus
from petition_service.mail.sender import send_due_mail
from petition_service.petitions.models import Petition
from petition_service.petitions.service import count_confirmed_signatures
from petition_service.signatures.models import Signature, SignatureStatus
from petition_service.types import utcnow
from tests.factories import make_organisation, make_petition, sign_petition
from tests.mail.conftest import html_part, link, text_part


def test_confirmation_mail_arrives_with_both_parts_and_proper_headers(app, smtp):
    with app.app_context():
        petition = make_petition(
            organisation=make_organisation(name="Viet Rights Now"), title="Free Trần Thị Nga, now"
        )
        signature = sign_petition(petition, "Lan@Example.org", name="Lan")
        row = db.session.scalars(select(OutboxMessage)).one()

        assert len(smtp.messages) == 1
        mail = smtp.messages[0]
        assert mail["To"] == "lan@example.org"
        assert mail["From"].addresses[0].display_name == "Free Trần Thị Nga, now (Viet Rights Now)"
        assert mail["Message-ID"] == row.message_id
        assert parsedate_to_datetime(mail["Date"]) == row.created_at.replace(microsecond=0)
        assert mail["Subject"] == "Please confirm your signature: Free Trần Thị Nga, now"
        assert mail["Auto-Submitted"] == "auto-generated"
        assert mail["List-Unsubscribe"].startswith("<http://petitions.example.org/withdraw/")

        text, body_html = text_part(mail), html_part(mail)
        assert "Name: Lan" in text
        confirm, withdraw = link(mail, "confirm"), link(mail, "withdraw")
        assert f"http://petitions.example.org{confirm}" in text
        assert html.escape(f"http://petitions.example.org{confirm}") in body_html
        assert html.escape(f"http://petitions.example.org{withdraw}") in body_html
        assert mail["List-Unsubscribe"] == f"<http://petitions.example.org{withdraw}>"
        assert row.status is OutboxStatus.SENT and row.attempts == 1
        assert row.signature_id == signature.id


def test_get_on_the_confirm_link_changes_nothing_and_post_confirms(app, client, smtp):
    with app.app_context():
        petition = make_petition(goal=500)
        signature = sign_petition(petition, "minh@example.org", name="Minh")
        petition_id, signature_id = petition.id, signature.id
    confirm = link(smtp.messages[0], "confirm")

    page = client.get(confirm)
    assert page.status_code == 200
    assert "Confirm my signature" in page.text and 'method="post"' in page.text
    with app.app_context():
        assert count_confirmed_signatures(petition_id) == 0
        assert db.session.get(Signature, signature_id).status is SignatureStatus.PENDING

    # No session cookie, no CSRF token: the token in the URL is the proof.
    fresh_client = app.test_client()
    done = fresh_client.post(confirm)
    assert done.status_code == 303
    with app.app_context():
        assert count_confirmed_signatures(petition_id) == 1
        confirmed = db.session.get(Signature, signature_id)
        assert confirmed.status is SignatureStatus.CONFIRMED
        assert confirmed.confirmed_at is not None

    thanks = fresh_client.get(done.headers["Location"])
    assert thanks.status_code == 200
    assert "your signature is confirmed" in thanks.text
    assert '<strong class="count">1</strong> signature of a goal of 500' in thanks.text
    assert "mailto:?subject=" in thanks.text
    share = "https://www.facebook.com/sharer/sharer.php?u=http%3A%2F%2Fpetitions.example.org%2Fp%2F"
    assert share in thanks.text
    assert "<script" not in thanks.text

    # Confirming twice is harmless.
    assert fresh_client.post(confirm).status_code == 303
    with app.app_context():
        assert count_confirmed_signatures(petition_id) == 1


def test_the_withdraw_link_removes_the_signature_and_its_personal_data(app, client, smtp):
    with app.app_context():
        petition = make_petition()
        signature = sign_petition(petition, "hoa@example.org", name="Hoa", city="Hà Nội")
        petition_id, signature_id = petition.id, signature.id
    mail = smtp.messages[0]
    assert client.post(link(mail, "confirm")).status_code == 303
    withdraw = link(mail, "withdraw")

    page = client.get(withdraw)
    assert page.status_code == 200 and "Withdraw my signature" in page.text
    with app.app_context():
        assert count_confirmed_signatures(petition_id) == 1

    done = app.test_client().post(withdraw)
    assert done.status_code == 303
    assert "Your signature is withdrawn" in client.get(done.headers["Location"]).text
    with app.app_context():
        assert count_confirmed_signatures(petition_id) == 0
        row = db.session.get(Signature, signature_id)
        assert row.status is SignatureStatus.WITHDRAWN and row.withdrawn_at is not None
        assert (row.name, row.email, row.city) == ("", "", "")
        assert row.email_canonical is None and row.client_hash is None
        outbox = db.session.scalars(
            select(OutboxMessage).where(OutboxMessage.signature_id == signature_id)
        ).all()
        assert outbox and all(
            (m.to_address, m.body_text, m.body_html, m.headers) == ("", "", "", {}) for m in outbox
        )
        # Not even the mail that is gone keeps the address.
        leftovers = db.session.scalar(
            select(OutboxMessage.id).where(
                OutboxMessage.body_text.contains("Hoa") | OutboxMessage.to_address.contains("hoa@")
            )
        )
        assert leftovers is None
    # Withdrawing twice is harmless, and the confirm link cannot bring it back.
    assert client.post(withdraw).status_code == 303
    assert client.post(link(mail, "confirm")).status_code == 410
    with app.app_context():
        assert count_confirmed_signatures(petition_id) == 0


def test_a_repeat_of_a_confirmed_signature_sends_an_already_signed_mail(app, client, smtp):
    with app.app_context():
        petition = make_petition()
        sign_petition(petition, "an@example.org", name="An")
    client.post(link(smtp.messages[0], "confirm"))

    with app.app_context():
        petition = db.session.scalars(select(Petition)).one()
        sign_petition(petition, "AN@example.org", name="An again")
        assert db.session.scalar(select(db.func.count()).select_from(Signature)) == 1
        assert count_confirmed_signatures(petition.id) == 1

    assert len(smtp.messages) == 2
    again = smtp.messages[1]
    assert again["Subject"].startswith("You have already signed")
    assert "already signed and confirmed" in text_part(again)
    assert "/confirm/" not in text_part(again) and "/withdraw/" in text_part(again)


def test_a_repeat_of_a_pending_signature_sends_the_confirmation_again(app, client, smtp):
    with app.app_context():
        petition = make_petition()
        sign_petition(petition, "bao@example.org", name="Bảo")
        sign_petition(petition, "bao@example.org", name="Bảo")
        assert db.session.scalar(select(db.func.count()).select_from(Signature)) == 1
        petition_id = petition.id

    assert len(smtp.messages) == 2
    first, second = smtp.messages
    assert second["Subject"].startswith("Please confirm")
    assert first["Message-ID"] != second["Message-ID"]
    # Either mail's link confirms the one signature.
    assert client.post(link(second, "confirm")).status_code == 303
    with app.app_context():
        assert count_confirmed_signatures(petition_id) == 1


def test_ten_attempts_on_one_address_delay_repeats_and_never_drop_a_confirmation(app, smtp):
    with app.app_context():
        petitions = [make_petition() for _ in range(3)]
        for attempt in range(10):
            address = "Victim@example.org" if attempt % 2 else "victim@example.org"
            sign_petition(petitions[attempt % 3], address)
        # The first confirmation for each petition went out at once, over the cap of two.
        assert len(smtp.messages) == 3
        assert {m["To"] for m in smtp.messages} == {"victim@example.org"}
        assert all(m["Subject"].startswith("Please confirm") for m in smtp.messages)
        # One repeat per signature waits, an hour apart; the others added nothing.
        waiting = db.session.scalars(
            select(OutboxMessage.next_attempt_at)
            .where(OutboxMessage.status == OutboxStatus.PENDING)
            .order_by(OutboxMessage.next_attempt_at)
        ).all()
        assert len(waiting) == 3
        now = utcnow()
        hours = [round((moment - now).total_seconds() / 3600) for moment in waiting]
        assert hours == [1, 2, 3]

        # An hour later the first delayed mail goes out, the others still wait.
        assert send_due_mail(now=now + timedelta(hours=1, minutes=1)) == 1
    assert len(smtp.messages) == 4
