"""After `demo load`, the whole loop is there to see: the won petition's victory update went
to its opted-in signers, and the open petition has one batch delivered by email, with its
public receipt. A second load sends nothing again."""

from __future__ import annotations

from email import message_from_bytes, policy
from pathlib import Path
from urllib.parse import urlsplit

from sqlalchemy import select

from petition_service.extensions import db
from petition_service.models import Batch, OutboxMessage, Petition, Signature


def _mail_files(app) -> list[Path]:
    return sorted((Path(app.instance_path) / "outbox").glob("*.eml"))


def test_demo_load_closes_the_loop_once(app, client):
    for old in _mail_files(app):  # earlier tests of this session wrote mail here too
        old.unlink()
    first = app.test_cli_runner().invoke(args=["demo", "load"])
    assert first.exit_code == 0, first.output
    receipt_line = next(line for line in first.output.splitlines() if "/r/" in line)
    receipt_url = receipt_line.split()[1]

    with app.app_context():
        victory = db.session.scalar(select(Petition).where(Petition.status == "victory"))
        opted_in = set(
            db.session.scalars(
                select(Signature.email).where(
                    Signature.petition_id == victory.id, Signature.wants_updates.is_(True)
                )
            )
        )
        assert len(opted_in) >= 2
        victory_mails = db.session.scalars(
            select(OutboxMessage).where(OutboxMessage.to_address.in_(opted_in))
        ).all()
        assert {m.to_address for m in victory_mails} == opted_in
        assert all(m.status.value == "sent" and m.kind == "update" for m in victory_mails)
        # Sent mail keeps no body in the outbox; the mailbox (the .eml files) has it.
        assert all(m.body_text == "" and m.message_id for m in victory_mails)
        victory_message = victory.update_message

        batch = db.session.scalar(select(Batch))
        assert batch.delivery_channel == "email" and batch.delivered_at is not None
        letters = db.session.scalars(
            select(OutboxMessage).where(OutboxMessage.kind == "batch_letter")
        ).all()
        assert all(m.to_address.endswith("@example.org") for m in letters) and len(letters) == 2
        sent = len(db.session.scalars(select(OutboxMessage.id)).all())

    files = _mail_files(app)
    assert len(files) == sent
    texts = [
        message_from_bytes(f.read_bytes(), policy=policy.default)
        .get_body(preferencelist=("plain",))
        .get_content()
        for f in files
    ]
    assert sum(victory_message in text for text in texts) == len(opted_in)
    letter = next(
        message_from_bytes(f.read_bytes(), policy=policy.default)
        for f in files
        if b"manifest.json" in f.read_bytes()
    )
    assert {part.get_filename() for part in letter.iter_attachments()} >= {"manifest.json"}

    receipt = client.get(urlsplit(receipt_url).path).get_data(as_text=True)
    assert "Delivered on" in receipt and "by email" in receipt
    page = client.get("/p/free-tran-thi-nga").get_data(as_text=True)
    assert receipt_url in page  # the delivery update, on the petition page

    again = app.test_cli_runner().invoke(args=["demo", "load"])
    assert again.exit_code == 0, again.output
    assert len(_mail_files(app)) == len(files)
    with app.app_context():
        assert len(db.session.scalars(select(Batch)).all()) == 1
