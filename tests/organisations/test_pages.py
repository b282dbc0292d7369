"""The home page, organisation and coalition pages, and their API document."""

from __future__ import annotations

import re
from contextlib import contextmanager
from datetime import timedelta

from sqlalchemy import event

from petition_service.extensions import db
from petition_service.models import CaseStatus, MembershipStatus, PetitionStatus
from petition_service.types import utcnow
from tests.factories import (
    make_membership,
    make_organisation,
    make_petition,
    make_signature,
    make_sponsor,
    make_translation,
)


def _titles(html: str) -> list[str]:
    return re.findall(r'<h3 class="card-title"[^>]*><a [^>]*>([^<]+)</a>', html)


def _coalition(app) -> dict:
    """A coalition with an active and an invited member, petitions of each, and one
    petition of an outsider that the active member co-sponsors."""
    with app.app_context():
        coalition = make_organisation(slug="stopthecrackdownvn", name="#StopTheCrackdownVN")
        member = make_organisation(slug="defenders", name="Defenders")
        invited = make_organisation(slug="invited", name="Invited group")
        outsider = make_organisation(slug="outsider", name="Outsider")
        make_membership(coalition, member)
        make_membership(coalition, invited, MembershipStatus.INVITED)
        make_petition(
            organisation=coalition,
            slug="free-oai",
            title="Free Nguyễn Văn Oai",
            person_name="Nguyễn Văn Oai",
            case_status=CaseStatus.SENTENCED,
        )
        dai = make_petition(
            organisation=member,
            slug="free-dai",
            title="Free Nguyễn Văn Đài",
            person_name="Nguyễn Văn Đài",
            case_status=CaseStatus.DETAINED,
        )
        make_sponsor(dai, coalition)
        make_petition(organisation=invited, slug="invited-petition", title="Invited's petition")
        shared = make_petition(organisation=outsider, slug="shared", title="Outsider's shared")
        make_sponsor(shared, member)
        make_petition(organisation=outsider, slug="not-shared", title="Outsider's own")
        db.session.commit()
    return {"coalition": "stopthecrackdownvn", "member": "defenders"}


def test_home_lists_public_organisations_with_open_petitions_and_members(app, client):
    _coalition(app)
    with app.app_context():
        make_organisation(slug="hidden", name="Hidden group", is_public=False)
        db.session.commit()
    html = client.get("/").text
    assert "#StopTheCrackdownVN" in html and "Defenders" in html
    assert "Hidden group" not in html
    coalition = html[html.index("#StopTheCrackdownVN") :]
    assert "1 open petition · a coalition of 1 member" in coalition[:400]
    assert client.get("/o/hidden").status_code == 404
    assert client.get("/api/v1/organisations/hidden").status_code == 404


def test_a_coalition_page_lists_its_members_and_their_petitions(app, client):
    _coalition(app)
    html = client.get("/o/stopthecrackdownvn").text
    members = html[html.index("Member organisations") : html.index('id="petitions-title"')]
    assert "Defenders" in members and "Invited group" not in members  # not yet accepted
    assert sorted(_titles(html)) == [
        "Free Nguyễn Văn Oai",
        "Free Nguyễn Văn Đài",
        "Outsider&#39;s shared",
    ]
    assert "Nguyễn Văn Đài" in html and "Detained" in html
    assert "By Defenders with #StopTheCrackdownVN" in html


def test_a_member_page_lists_its_petitions_and_those_it_co_sponsors(app, client):
    _coalition(app)
    html = client.get("/o/defenders").text
    assert sorted(_titles(html)) == ["Free Nguyễn Văn Đài", "Outsider&#39;s shared"]
    assert "Member of" in html and 'href="/o/stopthecrackdownvn' in html


def test_cards_come_open_first_and_drafts_never(app, client):
    with app.app_context():
        organisation = make_organisation(slug="cat-vn", name="CAT-VN")
        now = utcnow()
        for title, status, age in [
            ("Won long ago", PetitionStatus.VICTORY, 30),
            ("Closed", PetitionStatus.CLOSED, 1),
            ("Open and old", PetitionStatus.OPEN, 20),
            ("Draft", PetitionStatus.DRAFT, 0),
            ("Open and new", PetitionStatus.OPEN, 2),
        ]:
            make_petition(
                organisation=organisation,
                title=title,
                status=status,
                created_at=now - timedelta(days=age),
            )
        db.session.commit()
    html = client.get("/o/cat-vn").text
    assert _titles(html) == ["Open and new", "Open and old", "Won long ago", "Closed"]
    assert "4 petitions" in html


def test_search_ignores_case_and_tone_marks_and_the_filter_keeps_a_status(app, client):
    _coalition(app)
    found = client.get("/o/stopthecrackdownvn?q=nguyen+van+DAI").text
    assert _titles(found) == ["Free Nguyễn Văn Đài"]
    assert "1 petition" in found
    assert _titles(client.get("/o/stopthecrackdownvn?q=nobody").text) == []
    with app.app_context():
        from petition_service.models import Petition

        petition = db.session.query(Petition).filter_by(slug="free-oai").one()
        petition.status = PetitionStatus.VICTORY
        db.session.commit()
    won = client.get("/o/stopthecrackdownvn?status=victory").text
    assert _titles(won) == ["Free Nguyễn Văn Oai"]
    assert "Won (1)" in won
    # An unknown status is no filter at all.
    assert len(_titles(client.get("/o/stopthecrackdownvn?status=bogus").text)) == 3


def test_long_lists_are_paged(app, client):
    with app.app_context():
        organisation = make_organisation(slug="many")
        for number in range(30):
            make_petition(organisation=organisation, title=f"Case {number:02d}")
        db.session.commit()
    first = client.get("/o/many").text
    second = client.get("/o/many?page=2").text
    assert len(_titles(first)) == 24 and len(_titles(second)) == 6
    assert not set(_titles(first)) & set(_titles(second))
    assert 'aria-current="page">2<' in second


def test_cards_show_the_readers_language_and_the_count(app, client):
    with app.app_context():
        organisation = make_organisation(slug="bilingual")
        petition = make_petition(organisation=organisation, title="Free her", goal=10)
        make_translation(petition, title="Trả tự do cho chị")
        make_signature(petition)
        make_signature(petition)
        db.session.commit()
    vietnamese = client.get("/o/bilingual?lang=vi").text
    assert _titles(vietnamese) == ["Trả tự do cho chị"]
    assert "<strong>2</strong> chữ ký trên mục tiêu 10" in vietnamese
    assert _titles(client.get("/o/bilingual?lang=en").text) == ["Free her"]


@contextmanager
def _counting_statements(app):
    statements: list[str] = []

    def count(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", count)


def test_the_organisation_page_runs_the_same_queries_for_3_or_20_petitions(app, client):
    with app.app_context():
        small, large = make_organisation(slug="small"), make_organisation(slug="large")
        partner = make_organisation()
        for organisation, number in ((small, 3), (large, 20)):
            for _ in range(number):
                petition = make_petition(organisation=organisation, person_name="Someone")
                make_translation(petition)
                make_sponsor(petition, partner)
                make_signature(petition)
        db.session.commit()
    counts = []
    for slug in ("small", "large"):
        with _counting_statements(app) as statements:
            assert client.get(f"/o/{slug}?lang=vi").status_code == 200
        counts.append(len(statements))
    assert counts[0] == counts[1], counts
    assert counts[0] <= 10


def test_the_api_document_of_a_coalition(app, client):
    _coalition(app)
    with app.app_context():
        from petition_service.models import Petition

        oai = db.session.query(Petition).filter_by(slug="free-oai").one()
        make_signature(oai)
        db.session.commit()
    body = client.get("/api/v1/organisations/stopthecrackdownvn").json
    assert body["slug"] == "stopthecrackdownvn" and body["name"] == "#StopTheCrackdownVN"
    assert body["members"] == ["defenders"]
    by_slug = {p["slug"]: p for p in body["petitions"]}
    assert set(by_slug) == {"free-oai", "free-dai", "shared"}
    assert by_slug["free-oai"] == {
        "slug": "free-oai",
        "title": "Free Nguyễn Văn Oai",
        "status": "open",
        "signature_count": 1,
        "person": "Nguyễn Văn Oai",
        "owner": "#StopTheCrackdownVN",
    }
    member = client.get("/api/v1/organisations/defenders").json
    assert member["members"] == [] and member["coalitions"] == ["stopthecrackdownvn"]
    assert client.get("/api/v1/organisations/nope").status_code == 404


def test_the_petition_api_names_every_sponsor_owner_first(app, client):
    _coalition(app)
    body = client.get("/api/v1/petitions/free-dai").json
    assert body["sponsors"] == ["Defenders", "#StopTheCrackdownVN"]
    assert body["person"]["name"] == "Nguyễn Văn Đài"
    assert body["person"]["status"] == "detained"
