"""What is kept about a signer, and for how long: opaque links, client hashes, retention,
mail bodies and files, and a repeat that cannot rename anyone."""

from __future__ import annotations

import base64
import csv
import hashlib
import hmac
import io
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from petition_service.extensions import db, limiter
from petition_service.mail.models import OutboxMessage, OutboxStatus
from petition_service.mail.sender import outbox_dir
from petition_service.petitions.models import Organisation, PetitionStatus
from petition_service.signatures.clients import KEY_PERIOD_SECONDS, ClientKeyring, identify
from petition_service.signatures.display import Display
from petition_service.signatures.links import token_hash
from petition_service.signatures.models import Signature, SignatureLink, SignatureStatus
from petition_service.signatures.retention import (
    client_hash_lifetime,
    erase_client_hashes,
    run_privacy_sweeps,
)
from petition_service.types import utcnow
from tests.factories import make_batch, make_petition, make_signature, sign_petition
from tests.mail.conftest import link, text_part
from tests.signatures.helpers import post_signature


def _token(path: str) -> str:
    return path.split("/")[2].split("?")[0]


def test_links_are_random_tokens_stored_only_hashed(app, client, smtp):
    with app.app_context():
        petition = make_petition()
        signature = sign_petition(petition, "mai@example.org", name="Mai")
        signature_id = signature.id
        created = int(signature.created_at.timestamp())
        sign_petition(petition, "mai@example.org", name="Mai")  # the mail again
    first, second = smtp.messages
    tokens = {kind: _token(link(first, kind)) for kind in ("confirm", "withdraw", "correct")}
    assert len(set(tokens.values())) == 3
    for kind in ("confirm", "withdraw", "correct"):
        assert _token(link(second, kind)) != tokens[kind]  # a new token in each mail
    for token in tokens.values():
        # 32 random bytes, URL-safe: no payload, no separator, no signature of a payload.
        assert len(token) == 43 and "." not in token
        decoded = base64.urlsafe_b64decode(token + "=").decode("latin-1")
        assert len(decoded) == 32
        assert f"[{signature_id}," not in decoded and str(created) not in decoded
    with app.app_context():
        stored = {row.token_hash for row in db.session.scalars(select(SignatureLink))}
        assert {token_hash(t) for t in tokens.values()} <= stored
        dump = "\n".join(
            " ".join(str(v) for v in row) for row in db.session.execute(select(SignatureLink))
        )
        assert not any(token in dump for token in tokens.values())
    # A link works for its own purpose only.
    assert client.get(f"/withdraw/{tokens['confirm']}").status_code == 400
    assert client.post(f"/confirm/{tokens['withdraw']}").status_code == 400
    assert client.get(link(first, "confirm")).status_code == 200


def test_the_client_hash_key_is_random_per_day_and_kept_in_the_limiters_store(app, client):
    with app.app_context():
        petition = make_petition()
        db.session.commit()
        slug = petition.slug
    assert post_signature(client, slug, address="203.0.113.9").status_code == 303
    with app.app_context():
        signature = db.session.scalar(select(Signature))
        keyring = app.extensions["client_keyring"]
        key = keyring.current()
        # The stored hash is made with the day's random key...
        expected = hmac.new(key, b"203.0.113.9", hashlib.sha256).hexdigest()[:32]
        assert signature.client_hash == expected
        # ...which nothing beside the database derives: not the secret key.
        for derived in (app.config["SECRET_KEY"].encode(),
                        hashlib.sha256(b"client-address:" + app.config["SECRET_KEY"].encode())
                        .digest()):  # fmt: skip
            assert hmac.new(derived, b"203.0.113.9", hashlib.sha256).hexdigest()[:32] != expected
        # Processes agree on it (the store holds it), and it changes with the day.
        assert ClientKeyring(lambda: limiter.storage).current() == key
        tomorrow = ClientKeyring(lambda: limiter.storage).current(
            now=utcnow().timestamp() + KEY_PERIOD_SECONDS
        )
        assert tomorrow != key
    assert identify("::ffff:203.0.113.9").client == "203.0.113.9"


def test_client_hashes_are_erased_once_the_windows_they_serve_have_passed(app_context):
    petition = make_petition()
    signature = make_signature(petition, client_hash="c" * 32, network_hash="n" * 32)
    db.session.commit()
    lifetime = client_hash_lifetime()
    assert lifetime >= timedelta(hours=1)  # the flood panel's hour at least
    assert erase_client_hashes(now=utcnow() + lifetime - timedelta(minutes=1)) == 0
    assert erase_client_hashes(now=utcnow() + lifetime + timedelta(minutes=1)) == 1
    db.session.commit()
    db.session.refresh(signature)
    assert signature.client_hash is None and signature.network_hash is None
    assert signature.status is SignatureStatus.CONFIRMED and signature.name


def _closed_petition_with_delivered_batch(days_ago: int, *, delivered: bool = True, **fields):
    petition = make_petition(
        status=PetitionStatus.CLOSED, closed_at=utcnow() - timedelta(days=days_ago), **fields
    )
    batch = make_batch(petition, delivered_at=utcnow() if delivered else None)
    for number in range(3):
        make_signature(petition, name=f"Signer {number}", email=f"s{number}@example.org",
                       email_canonical=f"s{number}@example.org", city="Huế",
                       client_hash="c" * 32, batch_id=batch.id)  # fmt: skip
    make_signature(petition, name="Withdrawn", status=SignatureStatus.WITHDRAWN)
    db.session.commit()
    return petition


def test_retention_erases_names_and_emails_of_delivered_closed_petitions(app, member):
    with app.app_context():
        ours = db.session.get(Organisation, member.organisation_id)
        old = _closed_petition_with_delivered_batch(days_ago=91, organisation=ours)
        recent = _closed_petition_with_delivered_batch(days_ago=30, organisation=ours)
        undelivered = _closed_petition_with_delivered_batch(
            days_ago=200, delivered=False, organisation=ours
        )
        slugs = old.slug, recent.slug, undelivered.slug
        old_id = old.id
        report = run_privacy_sweeps()
        assert report.retention_petitions == [old.slug]
        assert report.retention_signatures == 4
        db.session.refresh(old)
        assert old.personal_data_erased_at is not None
        assert run_privacy_sweeps().retention_petitions == []  # once

    def rows(slug):
        body = member.client.get(f"/staff/petitions/{slug}/signatures.csv").data.decode("utf-8-sig")
        return list(csv.DictReader(io.StringIO(body)))

    erased = rows(slugs[0])
    assert len(erased) == 4  # the count stays
    assert sum(row["status"] == "confirmed" for row in erased) == 3
    for row in erased:
        assert row["name"] == row["email"] == row["city"] == ""
        assert row["country"] == "VN" and row["created_at"]
    for slug in slugs[1:]:
        assert {row["name"] for row in rows(slug)} >= {"Signer 0", "Signer 1", "Signer 2"}
    with app.app_context():
        assert db.session.scalar(
            select(Signature.client_hash).where(Signature.petition_id == old_id).limit(1)
        ) is None  # fmt: skip


def test_flask_data_purge_prints_what_it_erased(app):
    with app.app_context():
        _closed_petition_with_delivered_batch(days_ago=100)
    result = app.test_cli_runner().invoke(args=["data", "purge"])
    assert result.exit_code == 0, result.output
    assert "signatures whose name, email and city were erased: 4" in result.output
    assert "petitions past retention: petition-" in result.output


def test_sent_mail_keeps_no_body_and_loses_its_address_after_the_hour(app, smtp):
    with app.app_context():
        petition = make_petition()
        sign_petition(petition, "lan@example.org", name="Lan")
        row = db.session.scalar(select(OutboxMessage))
        assert row.status is OutboxStatus.SENT and row.sent_at
        assert row.body_text == row.body_html == "" and row.headers == {}
        assert row.message_id == smtp.messages[0]["Message-ID"]
        assert row.to_address == "lan@example.org"  # the hour's cap counts it
        db.session.execute(update(OutboxMessage).values(created_at=utcnow() - timedelta(hours=2)))
        db.session.commit()
        report = run_privacy_sweeps()
        assert report.mail_addresses == 1
        db.session.refresh(row)
        assert row.to_address == "" and row.message_id and row.status is OutboxStatus.SENT


def test_the_mail_files_of_a_withdrawn_signature_are_removed(app, client):
    with app.app_context():
        for old in outbox_dir().glob("*.eml"):  # earlier tests of this session wrote here too
            old.unlink()
        petition = make_petition()
        sign_petition(petition, "thu@example.org", name="Thu")
        sign_petition(make_petition(), "other@example.org", name="Other")
        folder = outbox_dir()
        files = sorted(folder.glob("*.eml"))
        assert len(files) == 2
        mine = next(f for f in files if "Thu" in f.read_text())
    withdraw = next(
        line for line in mine.read_text().splitlines() if "/withdraw/" in line and "http" in line
    )
    path = "/withdraw/" + withdraw.split("/withdraw/")[1].strip().strip("<>")
    assert client.post(path).status_code == 303
    assert not mine.exists()
    assert len(list(folder.glob("*.eml"))) == 1


def test_a_repeat_never_renames_and_the_signer_corrects_by_a_confirmed_post(app, client, smtp):
    with app.app_context():
        petition = make_petition(protected_countries=["VN"])
        db.session.commit()
        slug = petition.slug
    # Someone else signs first with this address and a name of their choosing.
    assert post_signature(client, slug, email="an@example.org",
                          name="Lê Văn Phản Bội (informant)").status_code == 303  # fmt: skip
    # The owner signs with their own name: answered like any signature...
    assert post_signature(client, slug, email="an@example.org", name="Lê Văn An").status_code == 303
    with app.app_context():
        signature = db.session.scalar(select(Signature))
        assert signature.name == "Lê Văn Phản Bội (informant)"  # ...and never renamed
        assert signature.display is Display.INITIALS  # the protected default
    first, again = smtp.messages
    text = text_part(again)
    assert "Hello," in text and "Hello Lê" not in text
    assert "Name: Lê Văn Phản Bội (informant)" in text
    assert "L. V. P. B. I., Vietnam (initials and country only)" in text
    correct = link(again, "correct")

    # GET shows the form and changes nothing (mail scanners fetch links).
    page = client.get(correct)
    assert page.status_code == 200 and 'value="Lê Văn Phản Bội (informant)"' in page.text
    refused = client.post(correct, data={"name": "Lê Văn An https://evil.example", "city": "",
                                          "display": "full"})  # fmt: skip
    assert refused.status_code == 422 and "Leave out web and email addresses" in refused.text
    saved = client.post(correct, data={"name": "Lê Văn An", "city": "Huế", "display": "full"})
    assert saved.status_code == 303
    shown = client.get(saved.headers["Location"])
    assert "Lê Văn An, Huế, Vietnam" in shown.text
    with app.app_context():
        signature = db.session.scalar(select(Signature))
        assert (signature.name, signature.city, signature.display) == (
            "Lê Văn An", "Huế", Display.FULL)  # fmt: skip
        # Once frozen into a batch, nothing changes any more.
        signature.batch_id = make_batch(signature.petition).id
        db.session.commit()
    late = client.post(correct, data={"name": "X", "city": "", "display": "full"})
    assert late.status_code == 409 and "can no longer be changed" in late.text


@pytest.mark.parametrize("display", ["initials", "anonymous"])
def test_the_confirmation_mail_says_how_the_signer_appears(app, smtp, display):
    with app.app_context():
        sign_petition(make_petition(), "k@example.org", name="Kim Ngọc", city="Huế",
                      display=Display(display))  # fmt: skip
    text = text_part(smtp.messages[0])
    if display == "initials":
        assert "On the letter to the recipients: K. N., Vietnam (initials and country only)" in text
    else:
        assert "Not named: you are counted among the signers, nothing more." in text
