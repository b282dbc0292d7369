"""Delivering a batch by email over real SMTP (aiosmtpd): each recipient with an address gets
one mail with their signed PDF and the manifest; a second run sends nothing; failures are
retried and shown; the batch is then recorded as delivered."""

from __future__ import annotations

import hashlib
import json

from sqlalchemy import func, select

from petition_service.extensions import db
from petition_service.models import Batch, BatchMail, Organisation, OutboxMessage
from tests.mail.conftest import text_part
from tests.receipts.helpers import render_a_batch

ADDRESSES = {"office.president@example.org", "prison.director@example.org"}


def _batch(app, storage, organisation_id=None):
    with app.app_context():
        organisation = db.session.get(Organisation, organisation_id) if organisation_id else None
        if organisation is not None:
            organisation.contact_email = "campaigns@example.org"
        rendered = render_a_batch(organisation)
        manifest = json.loads(storage.path(rendered.batch_id, "manifest.json").read_bytes())
        db.session.remove()
    return rendered, manifest


def _send(app, batch_id):
    return app.test_cli_runner().invoke(args=["batch", "send", str(batch_id)])


def test_batch_send_mails_each_recipient_with_an_address_once(app, client, storage, smtp):
    rendered, manifest = _batch(app, storage)
    first = _send(app, rendered.batch_id)
    assert first.exit_code == 0, first.output
    assert first.output.splitlines()[-1] == "2"
    assert "Lê Văn Thành: no email address" in first.output

    assert {m["To"] for m in smtp.messages} == ADDRESSES
    salutations = {
        "office.president@example.org": "Your Excellency,",
        "prison.director@example.org": "Dear Director,",
    }
    for mail in smtp.messages:
        attachments = {part.get_filename(): part.get_content() for part in mail.iter_attachments()}
        [entry] = [e for e in manifest["recipients"] if e["file"] in attachments]
        # The manifest travels with its detached signature, so the office can check both.
        assert set(attachments) == {entry["file"], "manifest.json", "manifest.json.sig"}
        assert hashlib.sha256(attachments[entry["file"]]).hexdigest() == entry["sha256"]
        assert json.loads(attachments["manifest.json"]) == manifest
        assert text_part(mail).startswith(salutations[mail["To"]])
        assert manifest["receipt_url"] in text_part(mail)
        assert "Organisation" in mail["From"]

    with app.app_context():
        batch = db.session.get(Batch, rendered.batch_id)
        assert batch.delivery_channel == "email" and batch.delivered_at is not None
        answers = db.session.scalars(
            select(OutboxMessage.smtp_response).join(
                BatchMail, BatchMail.outbox_id == OutboxMessage.id
            )
        ).all()
        assert answers == ["250 Message accepted for delivery"] * 2
        stored = db.session.scalars(select(OutboxMessage.body_text)).all()
        assert all("%PDF" not in body for body in stored)  # attached by reference only

    second = _send(app, rendered.batch_id)
    assert second.exit_code == 0 and second.output.splitlines()[-1] == "0"
    assert len(smtp.messages) == 2
    receipt = client.get(manifest["receipt_url"].split("example.org", 1)[1]).get_data(as_text=True)
    assert "by email." in receipt and "sent by email on" in receipt


def test_a_refused_mail_is_shown_and_retried_without_mailing_anyone_twice(
    app, storage, smtp, member
):
    rendered, _manifest = _batch(app, storage, member.organisation_id)
    smtp.inbox.refuse.add("prison.director@example.org")
    failed = _send(app, rendered.batch_id)
    assert failed.exit_code == 1 and failed.output.splitlines()[-1] == "1"
    assert "Not sent: prison.director@example.org" in failed.output
    page = member.client.get(f"/staff/batches/{rendered.batch_id}").get_data(as_text=True)
    assert "550" in page and "failed" in page and "Send by email" in page
    with app.app_context():
        assert db.session.get(Batch, rendered.batch_id).delivered_at is None

    smtp.inbox.refuse.clear()
    retried = _send(app, rendered.batch_id)
    assert retried.exit_code == 0 and retried.output.splitlines()[-1] == "1"
    assert sorted(m["To"] for m in smtp.messages) == sorted(ADDRESSES)
    assert smtp.messages[0]["Reply-To"] == "campaigns@example.org"
    with app.app_context():
        assert db.session.get(Batch, rendered.batch_id).delivery_channel == "email"
        assert db.session.scalar(select(func.count()).select_from(BatchMail)) == 2


def test_the_staff_button_sends_through_the_outbox_and_shows_the_ledger(app, storage, smtp, member):
    rendered, _manifest = _batch(app, storage, member.organisation_id)
    page = f"/staff/batches/{rendered.batch_id}"
    assert "office.president@example.org" in member.client.get(page).get_data(as_text=True)
    response = member.post(f"/staff/batches/{rendered.batch_id}/send", {}, page=page)
    assert response.status_code == 303
    assert {m["To"] for m in smtp.messages} == ADDRESSES
    html = member.client.get(page).get_data(as_text=True)
    assert html.count("250 Message accepted for delivery") == 2
    assert "Delivered on" in html and "by email" in html
    again = member.post(f"/staff/batches/{rendered.batch_id}/send", {}, page=page)
    assert again.status_code == 303 and len(smtp.messages) == 2


def test_a_batch_not_rendered_yet_cannot_be_sent(app, storage):
    from tests.factories import make_batch, make_petition

    with app.app_context():
        from petition_service.models import BatchStatus

        batch_id = make_batch(make_petition(), status=BatchStatus.RENDERING).id
        db.session.commit()
    result = _send(app, batch_id)
    assert result.exit_code == 1 and "not rendered yet" in result.output
