"""The petition's own texts print as typed: the staff forms refuse what no font can draw,
with the check signing makes on names (signatures/validation.py::unprintable_characters)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from petition_service.extensions import db
from petition_service.models import Organisation, Petition, Recipient
from tests.staff.conftest import own_petition
from tests.staff.test_petitions import VALID

EMOJI = "😀"  # no face of the letters' font set has it
HIEROGLYPH = "𓀀"  # installed on the machine, but not in the set


def _errors_on(html: str, message_part: str) -> bool:
    return "We cannot print" in html and message_part in html


@pytest.mark.parametrize("field", ["title", "summary", "letter_body", "letter_closing"])
def test_the_petition_form_refuses_what_the_letter_cannot_print(app, member, field):
    form = {**VALID, field: f"{VALID[field]} {EMOJI}"}
    response = member.post("/staff/petitions/new", form, page="/staff/petitions/new")
    assert response.status_code == 422
    assert _errors_on(response.text, EMOJI)
    with app.app_context():
        assert db.session.scalar(select(Petition)) is None
    # Vietnamese, Arabic and every script of the set are fine.
    fine = {**form, field: "Trả tự do cho bà Trần Thị Nga — أطلقوا سراحها"}
    assert member.post("/staff/petitions/new", fine, page="/staff/petitions/new").status_code == 303


def test_recipients_translations_and_the_organisation_refuse_it_too(app, member):
    petition = own_petition(app, member, language="en")
    new = f"/staff/petitions/{petition.slug}/recipients/new"
    for field in ("name", "title", "salutation", "postal_address"):
        form = {"name": "Tô Lâm", field: f"Tô Lâm {HIEROGLYPH}"}
        refused = member.post(new, form, page=new)
        assert refused.status_code == 422, field
        assert _errors_on(refused.text, HIEROGLYPH)
    with app.app_context():
        assert db.session.scalar(select(Recipient).where(Recipient.name.like("Tô Lâm%"))) is None

    texts = f"/staff/petitions/{petition.slug}/texts/vi"
    translation = {
        "title": "Tự do",
        "letter_body": "Xin trả tự do.",
        "letter_closing": "Trân trọng,",
    }
    for field in ("title", "summary", "letter_body", "letter_closing"):
        refused = member.post(texts, {**translation, field: EMOJI}, page=texts)
        assert refused.status_code == 422, field
        assert _errors_on(refused.text, EMOJI)
    assert member.post(texts, translation, page=texts).status_code == 303

    page = "/staff/organisation"
    refused = member.post(page, {"name": f"Defenders {EMOJI}"}, page=page)
    assert refused.status_code == 422 and _errors_on(refused.text, EMOJI)
    with app.app_context():
        assert EMOJI not in db.session.get(Organisation, member.organisation_id).name
