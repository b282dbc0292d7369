"""The #StopTheCrackdownVN demo coalition, the demo petition in two languages, and what a
batch freezes of sponsors and languages for the letters."""

from __future__ import annotations

from sqlalchemy import func, select

from petition_service.extensions import db
from petition_service.letters.batches import freeze_batch
from petition_service.letters.storage import batch_storage
from petition_service.mail.compose import MailKind
from petition_service.mail.models import OutboxMessage
from petition_service.models import (
    Batch,
    CaseStatus,
    CoalitionMembership,
    Organisation,
    Petition,
    PetitionSponsor,
    PetitionStatus,
    PetitionText,
)
from petition_service.organisations.service import members_of
from tests.factories import (
    make_organisation,
    make_petition,
    make_signature,
    make_sponsor,
    make_translation,
)
from tests.letters.helpers import pdftotext_pages


def _counts():
    return [
        db.session.scalar(select(func.count()).select_from(model))
        for model in (Organisation, CoalitionMembership, Petition, PetitionSponsor, PetitionText)
    ]


def test_the_demo_loads_the_coalition_once_with_co_sponsored_open_petitions(app, client):
    runner = app.test_cli_runner()
    assert runner.invoke(args=["demo", "load"]).exit_code == 0
    with app.app_context():
        first = _counts()
    assert runner.invoke(args=["demo", "load"]).exit_code == 0
    with app.app_context():
        assert _counts() == first  # idempotent
        coalition = db.session.scalar(
            select(Organisation).where(Organisation.slug == "stopthecrackdownvn")
        )
        assert len(members_of(coalition.id)) == 2
    body = client.get("/api/v1/organisations/stopthecrackdownvn").json
    people = {p["person"]: p for p in body["petitions"]}
    assert set(people) == {"Nguyễn Văn Oai", "Nguyễn Ngọc Như Quỳnh", "Nguyễn Văn Đài"}
    assert {p["status"] for p in people.values()} == {"open"}
    for petition in people.values():
        detail = client.get(f"/api/v1/petitions/{petition['slug']}").json
        assert len(detail["sponsors"]) == 3  # the owner and two partners of the coalition
        assert detail["languages"] == ["en", "vi"]
        assert {r["language"] for r in detail["recipients"]} == {"vi"}
        assert detail["person"]["photo_url"] is None
    page = client.get("/o/stopthecrackdownvn").text
    assert page.count("portrait-none") == 3  # placeholders, no photos


def test_the_demo_petition_speaks_vietnamese_to_its_vietnamese_officials(app, client):
    assert app.test_cli_runner().invoke(args=["demo", "load"]).exit_code == 0
    detail = client.get("/api/v1/petitions/free-tran-thi-nga?lang=vi").json
    assert detail["languages"] == ["en", "vi"]
    assert detail["title"].startswith("Trả tự do cho Trần Thị Nga")
    assert [(r["name"], r["language"]) for r in detail["recipients"]] == [
        ("Nguyễn Phú Trọng", "vi"),
        ("Nguyễn Đình Ba", "vi"),
    ]
    assert detail["person"]["status"] == CaseStatus.SENTENCED.value
    assert "Kính gửi Chủ tịch nước," in client.get("/p/free-tran-thi-nga?lang=en").text

    # The demo's delivered batch: each official's letter, and the mail carrying it, in
    # Vietnamese.
    with app.app_context():
        batch = db.session.scalar(
            select(Batch).join(Petition).where(Petition.slug == detail["slug"])
        )
        pages = {
            document.recipient_name: pdftotext_pages(
                batch_storage().path(batch.id, document.file_name)
            )
            for document in batch.documents
        }
        subjects = db.session.scalars(
            select(OutboxMessage.subject).where(OutboxMessage.kind == MailKind.BATCH_LETTER)
        ).all()
    assert set(pages) == {"Nguyễn Phú Trọng", "Nguyễn Đình Ba"}
    for letter in pages.values():
        assert "Tôi viết thư này để đề nghị Quý vị" in letter[0] and "Trân trọng," in letter[0]
        assert "I am writing" not in letter[0] and "Phụ lục: danh sách người ký" in letter[1]
    assert len(subjects) == 2
    assert all(subject.startswith("Trả tự do cho Trần Thị Nga") for subject in subjects)


def test_a_batch_freezes_sponsors_texts_and_recipient_languages(app):
    with app.app_context():
        owner = make_organisation(name="Defend the Defenders (demo)")
        partner = make_organisation(name="Brotherhood (demo)")
        petition = make_petition(
            organisation=owner,
            letter_body="Please.\n\nRelease him.",
            language="en",
            recipients=[{"name": "Tô Lâm", "language": "vi"}, {"name": "UN", "language": "en"}],
        )
        make_translation(
            petition, title="Tự do", letter_body="Xin.\n\nTrả tự do.", letter_closing="Trân trọng,"
        )
        make_sponsor(petition, partner)
        make_signature(petition)
        batch = freeze_batch(petition, "annex")
        snapshot = batch.snapshot
        db.session.rollback()
    assert snapshot["sponsors"] == ["Defend the Defenders (demo)", "Brotherhood (demo)"]
    assert snapshot["recipient_languages"] == ["vi", "en"]
    assert snapshot["texts"]["vi"] == {
        "title": "Tự do",
        "letter_paragraphs": ["Xin.", "Trả tự do."],
        "closing": "Trân trọng,",
    }
    assert snapshot["texts"]["en"]["letter_paragraphs"] == ["Please.", "Release him."]
    assert snapshot["letter_paragraphs"] == ["Please.", "Release him."]  # unchanged keys


def test_only_public_statuses_reach_the_pages(app, client):
    with app.app_context():
        organisation = make_organisation(slug="drafts-only")
        make_petition(organisation=organisation, status=PetitionStatus.DRAFT, title="Secret")
        db.session.commit()
    html = client.get("/o/drafts-only").text
    assert "Secret" not in html and "No public petitions yet." in html
