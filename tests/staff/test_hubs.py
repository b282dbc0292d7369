"""Administrators' pages for the organisation, its staff and coalitions, and a petition's
case, languages, recipients' languages and co-sponsors."""

from __future__ import annotations

import re
from urllib.parse import urlencode

from sqlalchemy import select

from petition_service.extensions import db
from petition_service.models import (
    CaseStatus,
    CoalitionMembership,
    MembershipStatus,
    Organisation,
    Petition,
    Recipient,
    StaffRole,
    StaffUser,
)
from tests.factories import make_membership, make_organisation, make_staff_user
from tests.staff.conftest import _member, login, own_petition


def _organisation(app, organisation_id: int) -> Organisation:
    with app.app_context():
        organisation = db.session.get(Organisation, organisation_id)
        db.session.expunge(organisation)
        return organisation


def test_admins_edit_the_organisation_and_its_public_page_follows(app, member, client):
    page = "/staff/organisation"
    response = member.post(
        page,
        {
            "name": "Defend the Defenders (demo)",
            "website": "https://example.org/dtd",
            "description": "We defend.\n\nWe write.",
            "is_public": "y",
        },
        page=page,
    )
    assert response.status_code == 303
    organisation = _organisation(app, member.organisation_id)
    assert organisation.name == "Defend the Defenders (demo)"
    html = client.get(f"/o/{organisation.slug}").text
    assert '<p class="organisation-description">We write.</p>' in html
    # Unticked: no public page any more.
    assert member.post(page, {"name": "Defend the Defenders (demo)"}, page=page).status_code == 303
    assert client.get(f"/o/{organisation.slug}").status_code == 404
    refused = member.post(page, {"name": "X", "website": "example.org"}, page=page)
    assert refused.status_code == 422 and "starting with https://" in refused.text


def test_staff_who_are_not_admins_cannot_reach_the_admin_pages(app, staff_member):
    for path in ("/staff/organisation", "/staff/members", "/staff/coalition"):
        assert staff_member.client.get(path).status_code == 403, path
    petition = own_petition(app, staff_member)
    for path in (
        f"/staff/petitions/{petition.slug}/case",
        f"/staff/petitions/{petition.slug}/texts/vi",
        f"/staff/petitions/{petition.slug}/sponsors",
    ):
        assert staff_member.client.get(path).status_code == 403, path


def test_an_admin_adds_a_member_who_logs_in_with_the_password_shown_once(app, member):
    response = member.post(
        "/staff/members",
        {"email": "Lan@Example.org", "name": "Lan", "role": "staff"},
        page="/staff/members",
    )
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    password = re.search(
        r'id="new-password" class="snippet" readonly value="([^"]+)"', response.text
    )
    assert password is not None
    assert "new-password" not in member.client.get("/staff/members").text  # shown once
    client = app.test_client()
    assert login(client, "lan@example.org", password.group(1)).status_code == 303
    with app.app_context():
        user = db.session.scalar(select(StaffUser).where(StaffUser.email == "lan@example.org"))
        assert user.organisation_id == member.organisation_id and user.role is StaffRole.STAFF
    again = member.post(
        "/staff/members", {"email": "lan@example.org", "role": "staff"}, page="/staff/members"
    )
    assert again.status_code == 422 and "exists already" in again.text


def test_roles_and_deactivation_keep_an_administrator(app, member):
    with app.app_context():
        other = make_staff_user(
            db.session.get(Organisation, member.organisation_id), role=StaffRole.STAFF
        )
        db.session.commit()
        other_id, other_email = other.id, other.email
    other_client = app.test_client()
    assert login(other_client, other_email).status_code == 303

    assert (
        member.post(
            f"/staff/members/{other_id}/role", {"role": "admin"}, page="/staff/members"
        ).status_code
        == 303
    )
    assert (
        member.post(f"/staff/members/{other_id}/deactivate", {}, page="/staff/members").status_code
        == 303
    )
    # Deactivated: the open session is refused at once.
    assert other_client.get("/staff/").status_code == 303
    # The last active administrator cannot demote or deactivate themselves.
    own = member.post(
        f"/staff/members/{member.user_id}/role", {"role": "staff"}, page="/staff/members"
    )
    assert own.status_code == 409
    assert (
        member.post(
            f"/staff/members/{member.user_id}/deactivate", {}, page="/staff/members"
        ).status_code
        == 409
    )
    with app.app_context():
        assert db.session.get(StaffUser, member.user_id).is_active


def test_a_coalition_invites_the_member_accepts_then_leaves(app, member, client):
    coalition = _organisation(app, member.organisation_id)
    partner = _member(app)
    partner_org = _organisation(app, partner.organisation_id)

    invited = member.post("/staff/coalition", {"slug": partner_org.slug}, page="/staff/coalition")
    assert invited.status_code == 303
    # Not yet a member anywhere the public looks.
    assert client.get(f"/api/v1/organisations/{coalition.slug}").json["members"] == []
    assert "invitation waiting for you" in partner.client.get("/staff/coalition").text

    accepted = partner.post(
        f"/staff/coalition/joined/{coalition.id}/accept", page="/staff/coalition"
    )
    assert accepted.status_code == 303
    assert client.get(f"/api/v1/organisations/{coalition.slug}").json["members"] == [
        partner_org.slug
    ]
    assert partner_org.name in client.get(f"/o/{coalition.slug}").text

    for bad, message in (
        (partner_org.slug, "already a member"),
        ("nope", "no organisation"),
        (coalition.slug, "its own member"),
    ):
        response = member.post("/staff/coalition", {"slug": bad}, page="/staff/coalition")
        assert response.status_code == 422 and message in response.text

    left = partner.post(f"/staff/coalition/joined/{coalition.id}/leave", page="/staff/coalition")
    assert left.status_code == 303
    with app.app_context():
        assert db.session.scalar(select(CoalitionMembership)) is None


def test_co_sponsors_are_chosen_among_coalition_partners(app, member, client):
    petition = own_petition(app, member, title="Free Nguyễn Văn Oai")
    with app.app_context():
        ours = db.session.get(Organisation, member.organisation_id)
        coalition = make_organisation(name="#StopTheCrackdownVN")
        partner = make_organisation(name="Brotherhood (demo)")
        invited = make_organisation(name="Not yet (demo)")
        stranger = make_organisation(name="Stranger")
        make_membership(coalition, ours)
        make_membership(coalition, partner)
        make_membership(coalition, invited, MembershipStatus.INVITED)
        db.session.commit()
        ids = {"coalition": coalition.id, "partner": partner.id, "stranger": stranger.id}
    page = f"/staff/petitions/{petition.slug}/sponsors"
    form = member.client.get(page).text
    assert "Brotherhood (demo)" in form and "#StopTheCrackdownVN" in form
    assert "Not yet (demo)" not in form and "Stranger" not in form

    saved = member.post(page, {"sponsors": [ids["partner"], ids["coalition"]]}, page=page)
    assert saved.status_code == 303
    assert client.get(f"/api/v1/petitions/{petition.slug}").json["sponsors"] == [
        _organisation(app, member.organisation_id).name,
        "Brotherhood (demo)",
        "#StopTheCrackdownVN",
    ]
    refused = member.post(page, {"sponsors": [ids["stranger"]]}, page=page)
    assert refused.status_code == 422
    assert member.post(page, {}, page=page).status_code == 303
    assert len(client.get(f"/api/v1/petitions/{petition.slug}").json["sponsors"]) == 1


def test_a_translation_is_added_shown_and_removed(app, member, client):
    petition = own_petition(app, member, title="Free her", language="en")
    page = f"/staff/petitions/{petition.slug}/texts/vi"
    texts = {
        "title": "Trả tự do cho chị",
        "summary": "Tóm tắt.",
        "story": "Câu chuyện " * 1800,
        "letter_body": "Xin trả tự do. " * 1300,
        "letter_closing": "Trân trọng,",
    }
    # A long petition in Vietnamese, form-encoded, is above the public pages' 64 KiB limit.
    assert len(urlencode(texts)) > 64 * 1024
    assert member.post(page, texts, page=page).status_code == 303
    assert "<h1>Trả tự do cho chị</h1>" in client.get(f"/p/{petition.slug}?lang=vi").text
    assert 'value="Trả tự do cho chị"' in member.client.get(page).text
    missing = member.post(page, {**texts, "letter_body": ""}, page=page)
    assert missing.status_code == 422
    # The petition's own language is edited on the petition form, and other codes are no page.
    assert member.client.get(f"/staff/petitions/{petition.slug}/texts/en").status_code == 404
    assert member.client.get(f"/staff/petitions/{petition.slug}/texts/fr").status_code == 404
    assert member.post(f"{page}/delete", page=page).status_code == 303
    assert "<h1>Free her</h1>" in client.get(f"/p/{petition.slug}?lang=vi").text


def test_the_case_form_sets_name_status_and_dates(app, member, client):
    petition = own_petition(app, member)
    page = f"/staff/petitions/{petition.slug}/case"
    fields = {
        "person_name": "Nguyễn Ngọc Như Quỳnh",
        "case_status": "released",
        "detained_on": "2016-10-10",
        "released_on": "2018-10-17",
    }
    assert member.post(page, fields, page=page).status_code == 303
    with app.app_context():
        saved = db.session.get(Petition, petition.id)
        assert saved.case_status is CaseStatus.RELEASED
        assert saved.released_on.isoformat() == "2018-10-17"
    assert "case-good-news" in client.get(f"/p/{petition.slug}").text
    wrong = member.post(page, {**fields, "released_on": "2015-01-01"}, page=page)
    assert wrong.status_code == 422 and "cannot come before" in wrong.text


def test_a_recipient_reads_a_language(app, member):
    petition = own_petition(app, member, language="vi")
    page = f"/staff/petitions/{petition.slug}/recipients/new"
    assert '<option selected value="vi">' in member.client.get(page).text
    response = member.post(page, {"name": "Tô Lâm", "language": "vi"}, page=page)
    assert response.status_code == 303
    with app.app_context():
        added = db.session.scalar(select(Recipient).where(Recipient.name == "Tô Lâm"))
        assert added.language == "vi"


def test_the_petitions_language_cannot_become_one_it_is_translated_into(app, member):
    petition = own_petition(app, member, title="Free her", language="en")
    page = f"/staff/petitions/{petition.slug}/texts/vi"
    assert (
        member.post(page, {"title": "Tự do", "letter_body": "Thư."}, page=page).status_code == 303
    )
    edit = f"/staff/petitions/{petition.slug}/edit"
    form = {"title": "Free her", "slug": petition.slug, "goal": "100", "language": "vi"}
    refused = member.post(edit, form, page=edit)
    assert refused.status_code == 422 and "has a translation in this language" in refused.text


def test_the_confirm_page_names_the_petition_in_the_signers_language(app, client):
    from petition_service.signatures.links import issue_link
    from petition_service.signatures.models import LinkPurpose
    from tests.factories import make_pending_signature, make_petition, make_translation

    with app.app_context():
        petition = make_petition(title="Free her")
        make_translation(petition, title="Trả tự do cho chị")
        signature = make_pending_signature(petition, language="vi")
        token = issue_link(signature.id, LinkPurpose.CONFIRM)
        db.session.commit()
    html = client.get(f"/confirm/{token}?lang=vi").text
    assert '<strong lang="vi">Trả tự do cho chị</strong>' in html
