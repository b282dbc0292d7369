"""No staff route may show or change another organisation's petitions, recipients, batches,
tokens, staff members or coalition memberships. The routes are taken from the URL map, so a
route added later is tested too."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from petition_service.extensions import db
from petition_service.models import (
    ApiToken,
    Batch,
    CoalitionMembership,
    Organisation,
    OutboxMessage,
    Petition,
    PetitionSponsor,
    PetitionText,
    PetitionUpdate,
    Recipient,
    Signature,
    StaffUser,
)
from petition_service.updates.service import UpdateInput, publish_update
from tests.factories import (
    make_api_token,
    make_batch,
    make_membership,
    make_organisation,
    make_petition,
    make_signature,
    make_staff_user,
)
from tests.staff.conftest import own_petition, page_token

# Routes without URL arguments name nothing of another organisation: they are reviewed here.
ROUTES_WITHOUT_ARGUMENTS = {
    "staff.login",
    "staff.logout",
    "staff.dashboard",
    "staff.petition_new",
    "staff.tokens",
    "staff.members",
    "staff.organisation_settings",
    "staff.coalition",
}


def _foreign_objects(app) -> dict[str, object]:
    """A petition (with a recipient, a signature, a batch and a translation), a token and a
    staff member of another organisation, which is a coalition with a member of its own."""
    with app.app_context():
        petition = make_petition(title="Someone else's petition", language="en")
        petition.translations.append(
            PetitionText(language="vi", title="Kiến nghị", letter_body="Thư.")
        )
        make_signature(petition)
        batch = make_batch(petition)
        update = publish_update(petition, UpdateInput(subject="News", body="Their news."))
        other_user = make_staff_user(petition.organisation)
        make_api_token(other_user)
        partner = make_organisation()
        make_membership(petition.organisation, partner)
        db.session.commit()
        return {
            "slug": petition.slug,
            "recipient_id": petition.recipients[0].id,
            "batch_id": batch.id,
            "token_id": db.session.scalar(select(ApiToken.id)),
            "user_id": other_user.id,
            "action": "deactivate",
            "update_id": update.id,
            # Organisations the member's own has no membership with, either way round.
            "member_id": partner.id,
            "coalition_id": petition.organisation.id,
            "lang": "vi",
        }


def _staff_rules(app):
    rules = [rule for rule in app.url_map.iter_rules() if rule.endpoint.startswith("staff.")]
    assert rules, "the staff blueprint has no routes"
    return rules


def _snapshot(app):
    with app.app_context():
        return [
            [(p.title, p.status, p.slug, p.goal) for p in db.session.scalars(select(Petition))],
            [(r.name, r.position) for r in db.session.scalars(select(Recipient))],
            [(s.status, s.invalid_reason) for s in db.session.scalars(select(Signature))],
            [(b.delivered_at, b.status) for b in db.session.scalars(select(Batch))],
            [t.revoked_at for t in db.session.scalars(select(ApiToken))],
            [(u.is_active, u.session_version) for u in db.session.scalars(select(StaffUser))],
            [(u.subject, u.mail_requested_at) for u in db.session.scalars(select(PetitionUpdate))],
            db.session.scalars(select(OutboxMessage.id)).all(),
            [(u.role, u.is_active) for u in db.session.scalars(select(StaffUser))],
            [(o.name, o.is_public) for o in db.session.scalars(select(Organisation))],
            [(m.status,) for m in db.session.scalars(select(CoalitionMembership))],
            [(t.language, t.title) for t in db.session.scalars(select(PetitionText))],
            [(s.petition_id,) for s in db.session.scalars(select(PetitionSponsor))],
            [(p.person_name, p.case_status) for p in db.session.scalars(select(Petition))],
        ]


def test_the_reviewed_list_matches_the_routes_without_arguments(app):
    without = {rule.endpoint for rule in _staff_rules(app) if not rule.arguments}
    assert without == ROUTES_WITHOUT_ARGUMENTS


@pytest.mark.parametrize("auth", ["session", "token"])
def test_every_staff_route_is_404_for_another_organisations_objects(app, member, auth):
    foreign = _foreign_objects(app)
    with app.app_context():
        bearer = make_api_token(db.session.get(StaffUser, member.user_id))
        db.session.commit()
    before = _snapshot(app)
    # A valid form for every POST, so only scoping can be the reason for a refusal.
    form = {
        "title": "Taken over",
        "slug": foreign["slug"],
        "goal": "5",
        "language": "en",
        "name": "Intruder",
        "action": "close",
        "update_message": "x",
        "scope": "selected",
        "ids": "1",
        "confirm": "yes",
        "delivered_on": "2020-01-01",
        "channel": "post",
        "password": "a new password for someone else",
        "subject": "Hijacked",
        "body": "Mail their signers",
        "send": "1",
        "send_update": "1",
        "role": "staff",
        "active": "0",
        "person_name": "Someone",
        "case_status": "released",
        "letter_body": "Changed",
        "sponsors": "1",
    }
    checked = []
    for rule in _staff_rules(app):
        if not rule.arguments:
            continue
        values = {name: foreign[name] for name in rule.arguments}
        url = rule.build(values)[1]
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            headers = {}
            data = dict(form)
            if auth == "token":
                headers["Authorization"] = f"Bearer {bearer}"
            elif method == "POST":
                data["csrf_token"] = page_token(member.client)
            response = member.client.open(url, method=method, data=data, headers=headers)
            assert response.status_code == 404, (method, url, response.get_data(as_text=True))
            checked.append((method, rule.endpoint))
    assert {endpoint for _, endpoint in checked} >= {
        "staff.petition",
        "staff.signatures_csv",
        "staff.batch",
        "staff.batch_delivered",
        "staff.signatures_invalidate",
        "staff.recipient_edit",
        "staff.token_revoke",
        "staff.member_action",
        "staff.member_password",
        "staff.update_create",
        "staff.update_send",
        "staff.batch_send",
        "staff.member_role",
        "staff.coalition_remove",
        "staff.coalition_accept",
        "staff.coalition_leave",
        "staff.petition_case",
        "staff.petition_texts",
        "staff.petition_texts_delete",
        "staff.petition_sponsors",
    }
    assert _snapshot(app) == before


def test_own_petition_with_another_petitions_recipient_is_404(app, member):
    foreign = _foreign_objects(app)
    slug = own_petition(app, member).slug
    url = f"/staff/petitions/{slug}/recipients/{foreign['recipient_id']}/edit"
    assert member.client.get(url).status_code == 404


def test_dashboard_lists_only_the_members_own_petitions(app, member):
    _foreign_objects(app)
    own_petition(app, member, title="Our own petition")
    html = member.client.get("/staff/").get_data(as_text=True)
    assert "Our own petition" in html
    assert "Someone else" not in html
