"""Signing several petitions of an organisation or a coalition at once: the form on its page,
`POST /o/<org>/sign`, the API, one mail whose one confirm link confirms them all, repeats per
petition, what is refused, the limits and the proof of work."""

from __future__ import annotations

from email import message_from_bytes, policy

import pytest
from sqlalchemy import func, select

from petition_service.extensions import db
from petition_service.models import (
    OutboxMessage,
    Petition,
    Signature,
    SignatureStatus,
    Submission,
    SubmissionSignature,
)
from tests.factories import make_organisation, make_petition, make_signature
from tests.mail.conftest import link, text_part
from tests.organisations.helpers import (
    checkboxes,
    form_token,
    links,
    make_coalition,
    post_several,
)
from tests.signatures.helpers import fresh_address, post_signature
from tests.signatures.test_challenge import solved


def _signatures(app, email: str) -> dict[str, Signature]:
    with app.app_context():
        rows = db.session.execute(
            select(Petition.slug, Signature)
            .join(Signature, Signature.petition_id == Petition.id)
            .where(Signature.email_canonical == email)
        ).all()
        db.session.expunge_all()
        return {slug: signature for slug, signature in rows}


def _counts(client, slugs):
    return [client.get(f"/api/v1/petitions/{slug}").json["signature_count"] for slug in slugs]


def test_the_coalition_page_offers_one_form_for_its_open_petitions(app, client):
    coalition = make_coalition(app)
    html = client.get(f"/o/{coalition.slug}?lang=en").get_data(as_text=True)
    # Its own, its member's and the one its member co-sponsors, all ticked; nothing closed,
    # drafted or run by others.
    assert checkboxes(html) == dict.fromkeys(coalition.open, True)
    assert f'action="/o/{coalition.slug}/sign?lang=en"' in html
    assert "Sign all 3 open petitions at once" in html
    assert 'href="#sign-several"' in html


def test_an_organisation_with_one_open_petition_offers_no_form(app, client):
    with app.app_context():
        organisation = make_organisation()
        make_petition(organisation=organisation)
        db.session.commit()
        slug = organisation.slug
    assert checkboxes(client.get(f"/o/{slug}").get_data(as_text=True)) == {}


def test_one_form_signs_each_petition_and_one_mail_confirms_them_all(app, client, smtp):
    coalition = make_coalition(app)
    response = post_several(client, coalition.slug, coalition.open, name="Trần Thị Hoa",
                            email="hoa.several@example.org", city="Huế")  # fmt: skip
    assert response.status_code == 303
    assert response.headers["Location"] == f"/o/{coalition.slug}/thanks?lang=en"
    thanks = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "One more step" in thanks

    signatures = _signatures(app, "hoa.several@example.org")
    assert set(signatures) == set(coalition.open)
    assert {s.status for s in signatures.values()} == {SignatureStatus.PENDING}
    # Each its own receipt code.
    assert len({s.receipt_code for s in signatures.values()}) == 3

    [mail] = smtp.messages
    assert mail["To"] == "hoa.several@example.org"
    assert "3 petitions" in mail["Subject"]
    assert "List-Unsubscribe" not in mail
    body = text_part(mail)
    for person in ("Nguyễn Văn Oai", "Nguyễn Ngọc Như Quỳnh", "Nguyễn Văn Đài"):
        assert f"Free {person}" in body
    # Every petition protects Viet Nam: the signer chose nothing, so initials on each.
    assert body.count("T. T. H., Vietnam (initials and country only)") == 3
    for signature in signatures.values():
        assert signature.receipt_code[:4] in body.replace("-", "")
    [confirm] = links(mail, "confirm")
    assert len(links(mail, "withdraw")) == 3 and len(links(mail, "correct")) == 3

    page = client.get(confirm)
    assert page.status_code == 200
    assert "Confirm all my signatures" in page.get_data(as_text=True)
    assert _counts(client, coalition.open) == [0, 0, 0]  # a GET confirms nothing
    assert client.post(confirm).status_code == 303
    assert _counts(client, coalition.open) == [1, 1, 1]
    done = client.get(confirm).get_data(as_text=True)
    assert "your signatures are confirmed" in done
    assert done.count("Confirmed: it counts.") == 3
    # Confirming again changes nothing.
    assert client.post(confirm).status_code == 303
    assert _counts(client, coalition.open) == [1, 1, 1]

    # Withdrawing stays per petition: one link, one signature.
    assert client.post(links(mail, "withdraw")[1]).status_code == 303
    assert _counts(client, coalition.open) == [1, 0, 1]
    statuses = {slug: s.status for slug, s in _signatures(app, "hoa.several@example.org").items()}
    assert statuses == {coalition.open[0]: SignatureStatus.CONFIRMED,
                        coalition.open[2]: SignatureStatus.CONFIRMED}  # fmt: skip
    assert "your signatures are confirmed" in client.get(confirm).get_data(as_text=True)


def test_a_repeat_is_kept_per_petition_and_said_in_the_mail(app, client, smtp):
    coalition = make_coalition(app)
    first, second, third = coalition.open
    with app.app_context():
        petition = db.session.scalar(select(Petition).where(Petition.slug == first))
        make_signature(petition, email="lan@example.org", name="Lê Thị Lan")  # confirmed
        db.session.commit()
    # Someone else signs all three with Lan's address and another name.
    assert post_several(client, coalition.slug, [first, second], email="LAN@example.org",
                        name="Someone Else", display="full").status_code == 303  # fmt: skip

    signatures = _signatures(app, "lan@example.org")
    assert signatures[first].name == "Lê Thị Lan"  # never renamed
    assert signatures[first].status is SignatureStatus.CONFIRMED
    assert signatures[second].name == "Someone Else"
    assert third not in signatures
    [mail] = smtp.messages
    body = text_part(mail)
    assert "You had already signed and confirmed this one" in body
    assert "Lê Thị Lan, Huế, Vietnam" in body  # what the first petition really holds
    # The one confirm link confirms what waits; the first stays as it was.
    assert client.post(link(mail, "confirm")).status_code == 303
    assert _counts(client, [first, second, third]) == [1, 1, 0]
    with app.app_context():
        repeats = db.session.execute(
            select(SubmissionSignature.signature_id, SubmissionSignature.repeat)
        ).all()
        assert sorted(repeats) == sorted([(signatures[first].id, True),
                                          (signatures[second].id, False)])  # fmt: skip

    # The same form again: only repeats now, one "already signed" mail, nothing new.
    assert post_several(client, coalition.slug, [first, second],
                        email="lan@example.org").status_code == 303  # fmt: skip
    assert len(smtp.messages) == 2
    assert "already signed" in smtp.messages[1]["Subject"]
    assert links(smtp.messages[1], "confirm") == []
    assert len(_signatures(app, "lan@example.org")) == 2


@pytest.mark.parametrize("which", ["outsider", "closed", "draft", "unknown", "none"])
def test_what_the_form_does_not_sign_is_refused_on_its_field(app, client, which):
    coalition = make_coalition(app)
    chosen = {
        "outsider": [coalition.open[0], coalition.outsider],
        "closed": [coalition.closed],
        "draft": [coalition.open[1], coalition.draft],
        "unknown": ["no-such-petition"],
        "none": [],
    }[which]
    response = post_several(client, coalition.slug, chosen, email="refused@example.org",
                            name="Phạm Văn Refused")  # fmt: skip
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'id="sign-petitions-error"' in html
    assert 'value="Phạm Văn Refused"' in html  # the values are kept...
    assert checkboxes(html) == {slug: slug in chosen for slug in coalition.open}  # ...and ticks
    assert _signatures(app, "refused@example.org") == {}


def test_other_fields_are_refused_with_the_choice(app, client):
    coalition = make_coalition(app)
    response = post_several(client, coalition.slug, [], email="not-an-address")
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'id="sign-petitions-error"' in html and 'id="sign-email-error"' in html


def test_a_petitions_token_does_not_sign_the_organisations_form(app, client):
    coalition = make_coalition(app)
    petition_token = client.get(f"/api/v1/petitions/{coalition.open[0]}").json["form_token"]
    response = post_several(client, coalition.slug, coalition.open, token=petition_token,
                            email="token@example.org")  # fmt: skip
    assert response.status_code == 422
    assert _signatures(app, "token@example.org") == {}
    # Nor the other way round.
    organisation_token = form_token(client, coalition.slug)
    refused = post_signature(client, coalition.open[0], token=organisation_token,
                             email="token@example.org")  # fmt: skip
    assert refused.status_code == 422


def test_a_submission_counts_once_in_each_petitions_windows(app, client, monkeypatch):
    monkeypatch.setitem(app.config, "SIGN_LIMITS_PER_CLIENT", "2 per minute")
    coalition = make_coalition(app)
    with app.app_context():
        elsewhere = make_petition().slug
        db.session.commit()
    address = fresh_address()
    for number in (1, 2):
        response = post_several(client, coalition.slug, coalition.open, address=address,
                                email=f"limit{number}@example.org")  # fmt: skip
        assert response.status_code == 303
    third = post_several(client, coalition.slug, coalition.open, address=address,
                         email="limit3@example.org")  # fmt: skip
    assert third.status_code == 429 and int(third.headers["Retry-After"]) >= 1
    assert _signatures(app, "limit3@example.org") == {}
    # Each petition's window holds the two submissions; a petition outside them is free.
    assert post_signature(client, coalition.open[0], address=address).status_code == 429
    assert post_signature(client, elsewhere, address=address).status_code == 303


@pytest.fixture
def always(app, monkeypatch):
    monkeypatch.setitem(app.config, "SIGN_CHALLENGE", "always")
    monkeypatch.setitem(app.config, "SIGN_CHALLENGE_MAX_NUMBER", 2000)


def test_the_proof_of_work_is_the_organisations_and_signs_once(app, client, always):
    coalition = make_coalition(app)
    html = client.get(f"/o/{coalition.slug}").get_data(as_text=True)
    assert f'data-challenge-url="/api/v1/organisations/{coalition.slug}/challenge"' in html

    missing = post_several(client, coalition.slug, coalition.open, email="pow@example.org")
    assert missing.status_code == 422
    assert "security check" in missing.get_data(as_text=True)

    petitions_challenge = client.get(f"/api/v1/petitions/{coalition.open[0]}/challenge").json
    wrong = post_several(client, coalition.slug, coalition.open, email="pow@example.org",
                         altcha=solved(petitions_challenge))  # fmt: skip
    assert wrong.status_code == 422

    challenge = client.get(f"/api/v1/organisations/{coalition.slug}/challenge")
    assert challenge.headers["Cache-Control"] == "no-store"
    solution = solved(challenge.json)
    assert post_several(client, coalition.slug, coalition.open, email="pow@example.org",
                        altcha=solution).status_code == 303  # fmt: skip
    assert len(_signatures(app, "pow@example.org")) == 3
    reused = post_several(client, coalition.slug, coalition.open, email="pow2@example.org",
                          altcha=solution)  # fmt: skip
    assert reused.status_code == 422
    assert _signatures(app, "pow2@example.org") == {}


def test_each_petition_applies_its_own_default_when_the_signer_chose_none(app, client):
    coalition = make_coalition(app, protect=("VN", None, "VN"))
    html = client.get(f"/o/{coalition.slug}?lang=en").get_data(as_text=True)
    # The defaults differ: nothing is preselected, and the page says what happens.
    assert " checked" not in html.split('id="sign-display"')[1].split("</fieldset>")[0]
    assert "each petition applies its own default" in html
    assert (
        "Signers from Vietnam appear only by their initials on “Free Nguyễn Văn Đài”, "
        "“Free Nguyễn Văn Oai”"
    ) in html  # the page's order: newest first

    assert post_several(client, coalition.slug, coalition.open, email="mixed@example.org",
                        country="VN").status_code == 303  # fmt: skip
    displays = {slug: s.display.value for slug, s in _signatures(app, "mixed@example.org").items()}
    assert [displays[slug] for slug in coalition.open] == ["initials", "full", "initials"]
    # A choice applies to every petition.
    assert post_several(client, coalition.slug, coalition.open, email="chose@example.org",
                        country="VN", display="anonymous").status_code == 303  # fmt: skip
    chose = _signatures(app, "chose@example.org")
    assert {s.display.value for s in chose.values()} == {"anonymous"}


def test_the_api_signs_several_at_once(app, client, smtp):
    coalition = make_coalition(app)
    document = client.get(f"/api/v1/organisations/{coalition.slug}").json
    body = {"name": "Zoë", "email": "zoe.api@example.org", "country": "IS", "consent": True,
            "form_token": document["form_token"]}  # fmt: skip
    url = f"/api/v1/organisations/{coalition.slug}/signatures"

    refused = client.post(url, json={**body, "petitions": [coalition.outsider]})
    assert refused.status_code == 422 and set(refused.json["errors"]) == {"petitions"}
    assert client.post(url, json=body).json["errors"]["petitions"]
    wrong_type = client.post(url, json={**body, "petitions": coalition.open[0]})
    assert wrong_type.status_code == 422

    accepted = client.post(url, json={**body, "petitions": coalition.open[:2]},
                           environ_base={"REMOTE_ADDR": fresh_address()})  # fmt: skip
    assert accepted.status_code == 202 and accepted.json == {"status": "pending_confirmation"}
    assert set(_signatures(app, "zoe.api@example.org")) == set(coalition.open[:2])
    [mail] = smtp.messages
    assert "2 petitions" in mail["Subject"]
    assert client.post(f"/api/v1/organisations/{coalition.slug}/signatures", data="x",
                       content_type="text/plain").status_code == 415  # fmt: skip


def test_the_submission_ties_the_rows_and_goes_when_they_are_purged(app, client):
    from datetime import timedelta

    from petition_service.signatures.retention import run_privacy_sweeps
    from petition_service.types import utcnow

    coalition = make_coalition(app)
    post_several(client, coalition.slug, coalition.open, email="late@example.org")
    with app.app_context():
        [submission] = db.session.scalars(select(Submission)).all()
        assert len(submission.items) == 3
        [mail] = db.session.scalars(select(OutboxMessage)).all()
        assert (mail.submission_id, mail.signature_id) == (submission.id, None)
        # Never confirmed: the sweep purges the signatures, then the empty submission.
        run_privacy_sweeps(utcnow() + timedelta(days=30))
        assert db.session.scalar(select(func.count()).select_from(Signature)) == 0
        assert db.session.scalar(select(func.count()).select_from(Submission)) == 0


def test_one_ticked_petition_is_signed_as_on_its_own_page(app, client, smtp):
    coalition = make_coalition(app)
    assert post_several(client, coalition.slug, coalition.open[:1],
                        email="one@example.org").status_code == 303  # fmt: skip
    with app.app_context():
        [row] = db.session.scalars(select(OutboxMessage)).all()
        assert row.submission_id is None and row.signature_id is not None
        assert db.session.scalar(select(func.count()).select_from(Submission)) == 0
    [mail] = smtp.messages
    assert "List-Unsubscribe" in mail  # the one-petition mail


def test_the_honeypot_is_answered_like_a_success_and_signs_nothing(app, client):
    coalition = make_coalition(app)
    response = post_several(client, coalition.slug, coalition.open, email="bot@example.org",
                            website="http://spam.example")  # fmt: skip
    assert response.status_code == 303
    assert _signatures(app, "bot@example.org") == {}


def test_a_reloaded_failed_post_goes_back_to_the_form(app, client):
    coalition = make_coalition(app)
    response = client.get(f"/o/{coalition.slug}/sign?lang=vi")
    assert response.status_code == 302
    assert response.headers["Location"] == f"/o/{coalition.slug}?lang=vi#sign-several"


def test_the_mail_file_goes_once_no_signature_of_it_keeps_its_data(app, client):
    """Without MAIL_SERVER the one mail is a file; withdrawing one petition keeps it (the
    others still hold what it says), and the privacy sweep leaves it; the last goes with it."""
    from petition_service.mail.sender import outbox_dir
    from petition_service.signatures.retention import run_privacy_sweeps

    with app.app_context():
        for old in outbox_dir().glob("*.eml"):  # earlier tests of this session wrote here too
            old.unlink()
    coalition = make_coalition(app)
    assert post_several(client, coalition.slug, coalition.open,
                        email="files@example.org").status_code == 303  # fmt: skip
    with app.app_context():
        [mail_file] = outbox_dir().glob("*.eml")
    withdraw = links(message_from_bytes(mail_file.read_bytes(), policy=policy.default), "withdraw")
    assert len(withdraw) == 3
    assert client.post(withdraw[0]).status_code == 303
    with app.app_context():
        run_privacy_sweeps()
    assert mail_file.exists()
    for path in withdraw[1:]:
        assert client.post(path).status_code == 303
    assert not mail_file.exists()
