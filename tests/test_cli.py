from __future__ import annotations

import unicodedata

from sqlalchemy import func, select

from petition_service.extensions import db
from petition_service.models import (
    ApiToken,
    Organisation,
    Petition,
    PetitionStatus,
    Signature,
    SignatureStatus,
    StaffUser,
)
from petition_service.organisations.service import coalitions_of, members_of
from petition_service.staff.service import token_digest, verify_password


def _count(model, *where):
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def test_demo_load_builds_the_demo_and_is_idempotent(app):
    runner = app.test_cli_runner()
    first = runner.invoke(args=["demo", "load"])
    assert first.exit_code == 0, first.output
    second = runner.invoke(args=["demo", "load"])
    assert second.exit_code == 0, second.output

    with app.app_context():
        assert _count(Organisation, Organisation.slug == "demo") == 1
        demo = db.session.scalar(select(Organisation).where(Organisation.slug == "demo"))
        assert len(members_of(demo.id)) == 2
        petitions = {p.status: p for p in demo.petitions}
        assert set(petitions) == {PetitionStatus.OPEN, PetitionStatus.VICTORY, PetitionStatus.DRAFT}
        open_petition = petitions[PetitionStatus.OPEN]
        assert [(r.name, r.title) for r in open_petition.recipients] == [
            ("Nguyễn Phú Trọng", "State President of the Socialist Republic of Viet Nam"),
            ("Nguyễn Đình Ba", "Prison Director"),
        ]
        assert "Trần Thị Nga" in open_petition.title
        assert petitions[PetitionStatus.VICTORY].update_message
        # Three of its own, three of the #StopTheCrackdownVN coalition (tests/organisations).
        assert _count(Petition) == 6
        staff = db.session.scalar(select(StaffUser))
        assert _count(StaffUser) == 1

    # The printed login works, and is the same on every run.
    password_line = [line for line in first.output.splitlines() if "password:" in line][0]
    password = password_line.split("password:")[1].strip()
    assert password_line in second.output
    assert verify_password(staff.password_hash, password)
    assert f"/p/{open_petition.slug}" in first.output
    assert 'data-petition="free-tran-thi-nga"' in first.output


def test_demo_page_names_the_prisoner_and_both_recipients_exactly(app, client):
    assert app.test_cli_runner().invoke(args=["demo", "load"]).exit_code == 0
    html = client.get("/p/free-tran-thi-nga").get_data(as_text=True)
    for name in ("Trần Thị Nga", "Nguyễn Phú Trọng", "Nguyễn Đình Ba"):
        assert unicodedata.normalize("NFC", name) in html
    victory = client.get("/p/reunite-tran-thi-nga").get_data(as_text=True)
    assert "Victory" in victory
    assert client.get("/p/stop-the-crackdown").status_code == 404


def test_demo_signatures_are_confirmed_varied_and_added_on_each_run(app):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["demo", "load", "--signatures", "300"])
    assert result.exit_code == 0, result.output
    assert runner.invoke(args=["demo", "load", "--signatures", "50"]).exit_code == 0

    with app.app_context():
        # The synthetic ones: the demo's own first signers are in its delivered batch.
        signatures = db.session.scalars(
            select(Signature)
            .join(Petition)
            .where(Petition.slug == "free-tran-thi-nga", Signature.batch_id.is_(None))
        ).all()
        assert len(signatures) == 350
        assert {s.status for s in signatures} == {SignatureStatus.CONFIRMED}
        assert len({s.email_canonical for s in signatures}) == 350
        names = [s.name for s in signatures]
        assert all(unicodedata.is_normalized("NFC", name) for name in names)
        assert any("ễ" in n or "ạ" in n or "ị" in n or "ầ" in n for n in names)  # Vietnamese
        assert {s.country for s in signatures} > {"VN", "DE"}  # international too
        assert all(s.city for s in signatures)
        assert all(s.confirmed_at >= s.created_at for s in signatures)


def test_demo_load_rejects_a_negative_count(app):
    result = app.test_cli_runner().invoke(args=["demo", "load", "--signatures", "-5"])
    assert result.exit_code != 0


def test_org_create_prints_the_slug_last(app):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["org", "create", "vn-coalition", "--name", "Liên minh"])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[-1] == "vn-coalition"
    member = runner.invoke(
        args=["org", "create", "hue-group", "--name", "Huế group", "--parent", "vn-coalition"]
    )
    assert member.exit_code == 0, member.output
    with app.app_context():
        group = db.session.scalar(select(Organisation).where(Organisation.slug == "hue-group"))
        assert [c.slug for c in coalitions_of(group.id)] == ["vn-coalition"]


def test_org_create_refuses_duplicates_and_bad_slugs(app):
    runner = app.test_cli_runner()
    assert runner.invoke(args=["org", "create", "one", "--name", "One"]).exit_code == 0
    duplicate = runner.invoke(args=["org", "create", "one", "--name", "Again"])
    assert duplicate.exit_code == 1
    assert "exists already" in duplicate.output
    assert runner.invoke(args=["org", "create", "Bad Slug!", "--name", "x"]).exit_code == 1


def test_staff_create_reads_the_password_from_stdin(app):
    runner = app.test_cli_runner()
    runner.invoke(args=["org", "create", "campaign", "--name", "Campaign"])
    result = runner.invoke(
        args=["staff", "create", "Lan@Example.org", "--org", "campaign", "--role", "admin"],
        input="correct horse battery\n",
    )
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[-1] == "lan@example.org"
    with app.app_context():
        user = db.session.scalar(select(StaffUser))
        assert user.role.value == "admin"
        assert user.password_hash.startswith("$argon2")
        assert verify_password(user.password_hash, "correct horse battery")
        assert not verify_password(user.password_hash, "wrong")


def test_staff_create_refuses_short_passwords_and_unknown_orgs(app):
    runner = app.test_cli_runner()
    runner.invoke(args=["org", "create", "campaign", "--name", "Campaign"])
    short = runner.invoke(
        args=["staff", "create", "a@example.org", "--org", "campaign"], input="short\n"
    )
    assert short.exit_code == 1 and "at least" in short.output
    unknown = runner.invoke(
        args=["staff", "create", "a@example.org", "--org", "nope"], input="long enough pw\n"
    )
    assert unknown.exit_code == 1 and "no organisation" in unknown.output


def test_staff_token_prints_a_secret_that_is_stored_hashed(app):
    runner = app.test_cli_runner()
    runner.invoke(args=["org", "create", "campaign", "--name", "Campaign"])
    runner.invoke(
        args=["staff", "create", "a@example.org", "--org", "campaign"], input="long enough pw\n"
    )
    result = runner.invoke(args=["staff", "token", "a@example.org"])
    assert result.exit_code == 0, result.output
    secret = result.output.splitlines()[-1]
    assert secret.startswith("pst_") and len(secret) > 40
    with app.app_context():
        token = db.session.scalar(select(ApiToken))
        assert token.token_hash == token_digest(secret)
        assert secret not in (token.token_hash, token.prefix)
    assert runner.invoke(args=["staff", "token", "nobody@example.org"]).exit_code == 1
