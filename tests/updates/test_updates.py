"""Updates to signers over real SMTP (aiosmtpd): who gets one, once, in which language, and
how one click stops the next without touching the signature."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlsplit

from flask_babel import force_locale, gettext
from sqlalchemy import func, select

from petition_service.extensions import db
from petition_service.models import (
    Organisation,
    OutboxMessage,
    PetitionStatus,
    PetitionUpdate,
    Signature,
    SignatureStatus,
    UpdateDelivery,
)
from petition_service.types import utcnow
from petition_service.updates import service
from tests.factories import make_petition, make_signature
from tests.mail.conftest import html_part, text_part
from tests.staff.conftest import own_petition


def _signers(app, slug):
    """Who should and should not get an update."""
    with app.app_context():
        from petition_service.models import Petition

        petition = db.session.scalar(select(Petition).where(Petition.slug == slug))
        make_signature(petition, email="an@example.org", name="An", wants_updates=True)
        make_signature(petition, email="binh@example.org", name="Bình", wants_updates=True,
                       language="vi")  # fmt: skip
        make_signature(petition, email="quiet@example.org", wants_updates=False)
        make_signature(petition, email="pending@example.org", wants_updates=True,
                       status=SignatureStatus.PENDING)  # fmt: skip
        make_signature(petition, email="invalid@example.org", wants_updates=True,
                       status=SignatureStatus.INVALID)  # fmt: skip
        make_signature(petition, email="gone@example.org", wants_updates=True,
                       status=SignatureStatus.WITHDRAWN)  # fmt: skip
        db.session.commit()


def _publish(member, slug, subject="She is free", body="Trần Thị Nga was released.", send="1"):
    return member.post(
        f"/staff/petitions/{slug}/updates",
        {"subject": subject, "body": body, "send": send},
        page=f"/staff/petitions/{slug}",
    )


def test_only_opted_in_confirmed_signers_get_an_update_once_in_their_language(app, member, smtp):
    slug = own_petition(app, member).slug
    _signers(app, slug)

    response = _publish(member, slug)
    assert response.status_code == 202
    assert response.headers["Location"].startswith("/staff/updates/")
    by_address = {m["To"]: m for m in smtp.messages}
    assert set(by_address) == {"an@example.org", "binh@example.org"}

    english, vietnamese = by_address["an@example.org"], by_address["binh@example.org"]
    assert english["Subject"] == "She is free"
    assert "Trần Thị Nga was released." in text_part(english)
    assert "Stop these updates" in text_part(english)
    with app.app_context(), force_locale("vi"):
        stop_vi = gettext("Stop these updates")
    assert stop_vi != "Stop these updates"
    assert '<html lang="vi">' in html_part(vietnamese) and stop_vi in html_part(vietnamese)
    for mail in (english, vietnamese):
        assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        url = mail["List-Unsubscribe"].strip("<>")
        assert url.startswith("http://petitions.example.org/u/")
        assert "@" not in url and "example.org/u/" in url
        assert url in text_part(mail)

    # Retried, swept, asked again: nobody gets a second copy.
    with app.app_context():
        update_id = db.session.scalar(select(PetitionUpdate.id))
        assert service.mail_due_updates(utcnow() + timedelta(minutes=5)).queued == 0
        service.request_mailing(db.session.get(PetitionUpdate, update_id))
        db.session.commit()
    again = member.post(f"/staff/updates/{update_id}/send", {}, page=f"/staff/updates/{update_id}")
    assert again.status_code == 303
    assert len(smtp.messages) == 2
    progress = member.client.get(
        f"/staff/updates/{update_id}", headers={"Accept": "application/json"}
    ).json
    assert progress["status"] == "sent"
    assert (progress["total"], progress["sent"], progress["failed"]) == (2, 2, 0)


def test_one_click_unsubscribe_stops_the_next_update_and_keeps_the_count(app, client, member, smtp):
    slug = own_petition(app, member).slug
    _signers(app, slug)
    count = client.get(f"/api/v1/petitions/{slug}").json["signature_count"]
    assert _publish(member, slug).status_code == 202
    [mail] = [m for m in smtp.messages if m["To"] == "an@example.org"]
    path = urlsplit(mail["List-Unsubscribe"].strip("<>"))
    url = f"{path.path}?{path.query}"

    outsider = app.test_client()  # a mail client: no cookie, no CSRF token
    page = outsider.get(url)
    assert page.status_code == 200 and "Stop the updates" in page.get_data(as_text=True)
    with app.app_context():  # a GET (a link scanner) changes nothing
        assert db.session.scalar(
            select(Signature.wants_updates).where(Signature.email == "an@example.org")
        )
    one_click = outsider.post(
        url,
        data="List-Unsubscribe=One-Click",
        content_type="application/x-www-form-urlencoded",
    )
    assert one_click.status_code == 200
    assert "no more updates" in one_click.get_data(as_text=True)

    with app.app_context():
        signature = db.session.scalar(select(Signature).where(Signature.email == "an@example.org"))
        assert signature.status is SignatureStatus.CONFIRMED and not signature.wants_updates
        assert signature.name == "An"
    assert client.get(f"/api/v1/petitions/{slug}").json["signature_count"] == count

    assert _publish(member, slug, subject="Second news").status_code == 202
    second = [m["To"] for m in smtp.messages if m["Subject"] == "Second news"]
    assert second == ["binh@example.org"]
    assert outsider.post("/u/not-a-token").status_code == 404


def test_mailing_is_paced_by_the_setting_and_a_restart_mails_nobody_twice(app, monkeypatch):
    # 12 a minute: 2 per 10-second step.
    monkeypatch.setitem(app.config, "UPDATE_MAILS_PER_MINUTE", 12)
    with app.app_context():
        petition = make_petition()
        for n in range(5):
            make_signature(petition, email=f"s{n}@example.org", wants_updates=True)
        update = service.publish_update(
            petition, service.UpdateInput(subject="News", body="Text.", send=True)
        )
        db.session.commit()
        update_id, start = update.id, utcnow()

        assert service.mail_due_updates(start) == service.StepResult(queued=2, more=True)
        # Run again at once (a second worker, a sweep): this step is taken.
        assert service.mail_due_updates(start).queued == 0
        # The process dies mid-mailing; after a restart the next steps pick up where it was.
        db.session.remove()
        assert service.mail_due_updates(start + service.STEP).queued == 2
        final = service.mail_due_updates(start + 2 * service.STEP)
        assert final == service.StepResult(queued=1, more=False)
        assert service.mail_due_updates(start + 9 * service.STEP).queued == 0

        addresses = db.session.scalars(select(OutboxMessage.to_address)).all()
        assert sorted(addresses) == [f"s{n}@example.org" for n in range(5)]
        assert db.session.scalar(select(func.count()).select_from(UpdateDelivery)) == 5
        progress = service.mailing_progress(db.session.get(PetitionUpdate, update_id))
        assert (progress.total, progress.queued, progress.finished) == (5, 5, True)


def test_signers_who_confirm_after_the_update_was_sent_do_not_get_it(app):
    with app.app_context():
        petition = make_petition()
        make_signature(petition, email="early@example.org", wants_updates=True,
                       confirmed_at=utcnow() - timedelta(days=1))  # fmt: skip
        update = service.publish_update(
            petition, service.UpdateInput(subject="News", body="Text.", send=True)
        )
        db.session.commit()
        make_signature(petition, email="late@example.org", wants_updates=True,
                       confirmed_at=utcnow() + timedelta(seconds=1))  # fmt: skip
        db.session.commit()
        service.mail_due_updates()
        assert db.session.scalars(select(OutboxMessage.to_address)).all() == ["early@example.org"]
        assert update.mail_total == 1


def test_an_update_shows_on_the_page_and_the_embed_and_mails_nobody_unless_asked(
    app, client, member, smtp
):
    slug = own_petition(app, member).slug
    _signers(app, slug)
    response = _publish(member, slug, subject="Hearing set for 3 May",
                        body="The court will hear her appeal.\n\nCome to the vigil: https://example.org/vigil",
                        send="0")  # fmt: skip
    assert response.status_code == 202
    assert smtp.messages == []
    page = client.get(f"/p/{slug}").get_data(as_text=True)
    assert "Hearing set for 3 May" in page and "The court will hear her appeal." in page
    assert '<a href="https://example.org/vigil"' in page
    embed = client.get(f"/embed/{slug}").get_data(as_text=True)
    assert "Hearing set for 3 May" in embed
    staff_page = member.client.get(f"/staff/petitions/{slug}").get_data(as_text=True)
    assert "Hearing set for 3 May" in staff_page and "not emailed" in staff_page


def test_an_update_by_api_token_and_its_validation(app, member, smtp):
    from petition_service.models import StaffUser
    from tests.factories import make_api_token

    slug = own_petition(app, member).slug
    _signers(app, slug)
    with app.app_context():
        secret = make_api_token(db.session.get(StaffUser, member.user_id))
        db.session.commit()
    client = app.test_client()
    headers = {"Authorization": f"Bearer {secret}", "Accept": "application/json"}
    missing = client.post(f"/staff/petitions/{slug}/updates", data={"send": "1"}, headers=headers)
    assert missing.status_code == 422 and set(missing.json["errors"]) == {"subject", "body"}
    ok = client.post(
        f"/staff/petitions/{slug}/updates",
        json={"subject": "Delivered", "body": "The letters reached the ministry.", "send": True},
        headers=headers,
    )
    assert ok.status_code == 202
    assert ok.json["status"] == "sent" and ok.json["sent"] == 2
    assert ok.headers["Location"] == ok.json["url"]
    assert client.get(ok.json["url"], headers=headers).json["id"] == ok.json["id"]
    assert len(smtp.messages) == 2


def test_declaring_victory_offers_the_update_in_the_same_step(app, client, member, smtp):
    slug = own_petition(app, member).slug
    _signers(app, slug)
    page = member.client.get(f"/staff/petitions/{slug}").get_data(as_text=True)
    assert "2 signers asked for news." in page
    response = member.post(
        f"/staff/petitions/{slug}/status",
        {"action": "victory", "update_message": "Trần Thị Nga is free!", "send_update": "y"},
        page=f"/staff/petitions/{slug}",
    )
    assert response.status_code == 303
    assert sorted(m["To"] for m in smtp.messages) == ["an@example.org", "binh@example.org"]
    assert all("Trần Thị Nga is free!" in text_part(m) for m in smtp.messages)
    assert smtp.messages[0]["Subject"].startswith("Victory: ")
    with app.app_context():
        update = db.session.scalar(select(PetitionUpdate))
        assert update.kind.value == "victory" and update.petition.status is PetitionStatus.VICTORY
    public = client.get(f"/p/{slug}").get_data(as_text=True)
    assert public.count("Trần Thị Nga is free!") == 1  # in the banner, not again as news


def test_closing_without_asking_sends_nothing(app, member, smtp):
    slug = own_petition(app, member).slug
    _signers(app, slug)
    response = member.post(
        f"/staff/petitions/{slug}/status",
        {"action": "close", "update_message": "Closed for delivery."},
        page=f"/staff/petitions/{slug}",
    )
    assert response.status_code == 303
    assert smtp.messages == []
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(PetitionUpdate)) == 0
        assert db.session.scalar(select(Organisation.id)) is not None


def test_updates_do_not_use_up_the_mail_cap_of_a_signers_next_signature(app, smtp):
    from tests.factories import sign_petition

    with app.app_context():
        news = make_petition()
        make_signature(news, email="busy@example.org", wants_updates=True)
        for subject in ("First news", "Second news", "Third news"):
            service.publish_update(
                news, service.UpdateInput(subject=subject, body="Text.", send=True)
            )
        db.session.commit()
        service.mail_due_updates()
        sign_petition(make_petition(), "busy@example.org")
    subjects = [m["Subject"] for m in smtp.messages if m["To"] == "busy@example.org"]
    assert len(subjects) == 4 and subjects[-1].startswith("Please confirm")


def test_the_in_process_consumer_runs_the_mailing_after_the_commit(app, smtp, embedded_queue):
    import time

    from petition_service import jobs

    jobs.start_embedded_consumer(workers=1)
    with app.app_context():
        petition = make_petition()
        for name in ("one", "two", "three"):
            make_signature(petition, email=f"{name}@example.org", wants_updates=True)
        update = service.publish_update(
            petition, service.UpdateInput(subject="News", body="Text.", send=True)
        )
        db.session.commit()
        update_id = update.id
        service.nudge()  # only enqueues: the consumer thread runs the step, then the sender
    deadline = time.monotonic() + 10
    while len(smtp.messages) < 3 and time.monotonic() < deadline:
        time.sleep(0.02)
    assert sorted(m["To"] for m in smtp.messages) == [
        "one@example.org",
        "three@example.org",
        "two@example.org",
    ]
    with app.app_context():
        deadline = time.monotonic() + 5
        progress = service.mailing_progress(db.session.get(PetitionUpdate, update_id))
        while progress.status != "sent" and time.monotonic() < deadline:
            time.sleep(0.02)
            db.session.expire_all()
            progress = service.mailing_progress(db.session.get(PetitionUpdate, update_id))
        assert progress.status == "sent"
