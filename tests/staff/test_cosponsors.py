"""Staff of a co-sponsoring organisation read a co-sponsored petition's counts and batches,
and nothing else: every other staff URL of that petition is a 404 for them, as for anyone
outside the owner. The routes come from the URL map, so a route added later is checked."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from petition_service.extensions import db
from petition_service.models import Batch, Organisation, Petition, PetitionText, StaffUser
from tests.factories import (
    make_api_token,
    make_batch,
    make_petition,
    make_signature,
    make_sponsor,
)
from tests.staff.conftest import page_token

# What a co-sponsor may open: GET only.
READABLE = {"staff.petition", "staff.batch"}


def _co_sponsored(app, member) -> dict:
    with app.app_context():
        petition = make_petition(title="Free Nguyễn Văn Đài", language="en")
        petition.translations.append(PetitionText(language="vi", title="Tự do", letter_body="Thư"))
        make_sponsor(petition, db.session.get(Organisation, member.organisation_id))
        make_signature(petition)
        make_signature(petition)
        batch = make_batch(petition, signature_count=2)
        db.session.commit()
        return {
            "slug": petition.slug,
            "batch_id": batch.id,
            "recipient_id": petition.recipients[0].id,
            "lang": "vi",
            "owner": petition.organisation.name,
        }


def test_a_co_sponsor_reads_the_counts_and_batches_but_changes_nothing(app, member):
    sponsored = _co_sponsored(app, member)
    dashboard = member.client.get("/staff/").text
    assert 'id="sponsored"' in dashboard and "Free Nguyễn Văn Đài" in dashboard

    page = member.client.get(f"/staff/petitions/{sponsored['slug']}")
    assert page.status_code == 200
    assert '<dd id="count-confirmed">2</dd>' in page.text
    assert "co-sponsor-note" in page.text and sponsored["owner"] in page.text
    for hidden in ("/edit", "/signatures", "signatures.csv", 'id="new-batch"', "/status"):
        assert hidden not in page.text, hidden
    batch = member.client.get(f"/staff/batches/{sponsored['batch_id']}")
    assert batch.status_code == 200 and "/download" not in batch.text
    as_json = member.client.get(
        f"/staff/petitions/{sponsored['slug']}", headers={"Accept": "application/json"}
    ).json
    assert as_json["confirmed"] == 2


@pytest.mark.parametrize("auth", ["session", "token"])
def test_every_other_staff_url_of_the_petition_is_404_for_a_co_sponsor(app, member, auth):
    sponsored = _co_sponsored(app, member)
    with app.app_context():
        bearer = make_api_token(db.session.get(StaffUser, member.user_id))
        db.session.commit()
        before = [(p.title, p.status, p.goal) for p in db.session.scalars(select(Petition))]
        batches_before = [(b.delivered_at,) for b in db.session.scalars(select(Batch))]
    form = {
        "title": "Taken over",
        "slug": sponsored["slug"],
        "goal": "5",
        "language": "en",
        "name": "Intruder",
        "action": "close",
        "update_message": "x",
        "mode": "letters",
        "delivered_on": "2020-01-01",
        "channel": "post",
        "person_name": "X",
        "letter_body": "Changed",
        "scope": "selected",
        "ids": "1",
        "confirm": "yes",
    }
    checked = []
    for rule in app.url_map.iter_rules():
        names = set(rule.arguments)
        if not rule.endpoint.startswith("staff.") or not names:
            continue
        if not names <= {"slug", "batch_id", "recipient_id", "lang"}:
            continue  # routes about staff, tokens or memberships: tests/staff/test_scoping.py
        url = rule.build({name: sponsored[name] for name in names})[1]
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            if method == "GET" and rule.endpoint in READABLE:
                continue
            headers = {}
            data = dict(form)
            if auth == "token":
                headers["Authorization"] = f"Bearer {bearer}"
            elif method == "POST":
                data["csrf_token"] = page_token(member.client)
            response = member.client.open(url, method=method, data=data, headers=headers)
            assert response.status_code == 404, (method, url, response.status_code)
            checked.append(rule.endpoint)
    assert {
        "staff.download_batch",
        "staff.signatures_csv",
        "staff.petition_edit",
        "staff.create_batch",
        "staff.petition_texts",
        "staff.petition_case",
    } <= set(checked)
    with app.app_context():
        assert [(p.title, p.status, p.goal) for p in db.session.scalars(select(Petition))] == before
        assert [(b.delivered_at,) for b in db.session.scalars(select(Batch))] == batches_before
