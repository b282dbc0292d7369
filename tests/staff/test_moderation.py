from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import select

from petition_service.extensions import db
from petition_service.models import Petition, Signature, SignatureStatus
from petition_service.types import utcnow
from tests.factories import make_batch, make_petition, make_signature
from tests.staff.conftest import own_petition, page_token


def _seed(app, slug):
    """Three normal signers, two bot signatures from an hour ago, one already batched."""
    with app.app_context():
        petition = db.session.scalar(select(Petition).where(Petition.slug == slug))
        hour_ago = utcnow() - timedelta(hours=1)
        make_signature(petition, name="Trần Thị Nga", country="VN", email="nga@example.org")
        make_signature(petition, name="Anna Schmidt", country="DE", email="anna@example.de")
        make_signature(petition, name="Lê Văn Tám", country="VN", status=SignatureStatus.PENDING)
        make_signature(petition, name="bot one", country="US", created_at=hour_ago)
        make_signature(petition, name="bot two", country="US", created_at=hour_ago)
        batch = make_batch(petition)
        make_signature(petition, name="bot batched", country="US", created_at=hour_ago, batch=batch)
        db.session.commit()


def _names(html):
    return re.findall(r'<td class="name">(.*?)</td>', html)


def _ids(app, **where):
    with app.app_context():
        rows = db.session.scalars(select(Signature).filter_by(**where))
        return [s.id for s in rows]


def test_search_filters_by_name_email_country_and_time(app, member):
    slug = own_petition(app, member).slug
    _seed(app, slug)
    base = f"/staff/petitions/{slug}/signatures"

    def names(**params):
        response = member.client.get(base, query_string=params)
        assert response.status_code == 200
        return sorted(_names(response.get_data(as_text=True)))

    assert names(name="thị") == ["Trần Thị Nga"]
    assert names(email="example.de") == ["Anna Schmidt"]
    assert names(country="vn") == ["Lê Văn Tám", "Trần Thị Nga"]
    assert names(status="pending") == ["Lê Văn Tám"]
    recent = (utcnow() - timedelta(minutes=10)).strftime("%Y-%m-%dT%H:%M")
    assert names(until=recent) == ["bot batched", "bot one", "bot two"]
    assert len(names(since=recent)) == 3
    assert names(name="100%_") == []  # wildcards are literal
    assert member.client.get(base, query_string={"since": "not a date"}).status_code == 422


def test_bulk_invalidation_previews_then_invalidates_and_the_count_drops(app, member, client):
    slug = own_petition(app, member).slug
    _seed(app, slug)
    assert client.get(f"/api/v1/petitions/{slug}").json["signature_count"] == 5

    form = {"scope": "matching", "country": "US", "reason": "bot attack"}
    url = f"/staff/petitions/{slug}/signatures/invalidate"
    preview = member.post(url, form)
    assert preview.status_code == 200
    html = preview.get_data(as_text=True)
    assert 'data-count="2"' in html and "2 signatures will be invalidated." in html
    assert "1 signature is already in a delivery batch" in html
    assert "<li>Country (2 letters): US</li>" in html  # staff see what they are about to do
    # Nothing changes before the confirming POST.
    assert client.get(f"/api/v1/petitions/{slug}").json["signature_count"] == 5

    # A bot signature arriving after the preview is not swept up by the confirmation.
    with app.app_context():
        petition = db.session.scalar(select(Petition).where(Petition.slug == slug))
        make_signature(
            petition, name="late bot", country="US", created_at=utcnow() + timedelta(seconds=2)
        )
        db.session.commit()
    pinned_until = re.search(r'name="until" value="([^"]+)"', html).group(1)
    confirm = member.post(url, {**form, "until": pinned_until, "confirm": "yes"})
    assert confirm.status_code == 303
    follow = member.client.get(confirm.headers["Location"]).get_data(as_text=True)
    assert "2 signatures were invalidated." in follow

    assert client.get(f"/api/v1/petitions/{slug}").json["signature_count"] == 4  # 3 + late bot
    with app.app_context():
        invalid = db.session.scalars(
            select(Signature).where(Signature.status == SignatureStatus.INVALID)
        ).all()
        assert sorted(s.name for s in invalid) == ["bot one", "bot two"]
        assert all(s.invalid_reason == "bot attack" and s.invalidated_at for s in invalid)
        batched = db.session.scalar(select(Signature).where(Signature.name == "bot batched"))
        assert batched.status == SignatureStatus.CONFIRMED


def test_invalidate_selected_ids_only_touches_this_petition(app, member):
    slug = own_petition(app, member).slug
    _seed(app, slug)
    with app.app_context():
        other = make_petition(
            organisation=db.session.scalar(
                select(Petition).where(Petition.slug == slug)
            ).organisation
        )
        foreign = make_signature(other, name="other petition signer")
        db.session.commit()
        foreign_id = foreign.id
    nga = _ids(app, name="Trần Thị Nga")[0]
    url = f"/staff/petitions/{slug}/signatures/invalidate"
    data = {"scope": "selected", "ids": [nga, foreign_id]}
    preview = member.post(url, data)
    assert "1 signature will be invalidated." in preview.get_data(as_text=True)
    assert member.post(url, {**data, "confirm": "yes"}).status_code == 303
    with app.app_context():
        assert db.session.get(Signature, nga).status == SignatureStatus.INVALID
        assert db.session.get(Signature, foreign_id).status == SignatureStatus.CONFIRMED
    page = member.client.get(f"/staff/petitions/{slug}").get_data(as_text=True)
    assert '<dd id="count-confirmed">4</dd>' in page
    assert '<dd id="count-invalid">1</dd>' in page


def test_invalidating_everything_needs_a_narrower_search(app, member):
    slug = own_petition(app, member).slug
    _seed(app, slug)
    response = member.post(f"/staff/petitions/{slug}/signatures/invalidate", {"scope": "matching"})
    assert response.status_code == 422
    assert "Narrow the search" in response.get_data(as_text=True)


def test_invalidation_without_csrf_is_refused(app, member):
    slug = own_petition(app, member).slug
    _seed(app, slug)
    response = member.client.post(
        f"/staff/petitions/{slug}/signatures/invalidate",
        data={"scope": "matching", "country": "US", "confirm": "yes"},
    )
    assert response.status_code == 400
    assert len(_ids(app, status=SignatureStatus.INVALID)) == 0
    assert page_token(member.client)  # the session itself is still fine
