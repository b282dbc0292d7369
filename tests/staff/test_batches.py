from __future__ import annotations

from sqlalchemy import select

from petition_service.extensions import db
from petition_service.models import Batch, BatchStatus, Petition
from tests.factories import make_batch
from tests.staff.conftest import own_petition


def _batch(app, slug, **fields):
    with app.app_context():
        petition = db.session.scalar(select(Petition).where(Petition.slug == slug))
        batch = make_batch(petition, signature_count=120, **fields)
        db.session.commit()
        return batch.id


def test_batch_status_as_json_and_as_a_self_refreshing_page(app, member):
    slug = own_petition(app, member).slug
    batch_id = _batch(app, slug, status=BatchStatus.RENDERING, progress_done=40, progress_total=120)
    response = member.client.get(
        f"/staff/batches/{batch_id}", headers={"Accept": "application/json"}
    )
    assert response.json == {"id": batch_id, "status": "rendering", "done": 40, "total": 120}
    html = member.client.get(f"/staff/batches/{batch_id}").get_data(as_text=True)
    assert '<meta http-equiv="refresh" content="3">' in html
    assert "40 / 120" in html

    done = _batch(app, slug, status=BatchStatus.DONE)
    html = member.client.get(f"/staff/batches/{done}").get_data(as_text=True)
    assert 'http-equiv="refresh"' not in html
    assert "Mark as delivered" in html
    listing = member.client.get(f"/staff/petitions/{slug}").get_data(as_text=True)
    assert (
        f'href="/staff/batches/{done}"' in listing
        and f'href="/staff/batches/{batch_id}"' in listing
    )


def test_mark_a_batch_delivered_once(app, member):
    slug = own_petition(app, member).slug
    batch_id = _batch(app, slug)
    url = f"/staff/batches/{batch_id}/delivered"
    data = {
        "delivered_on": "2026-11-20",
        "channel": "hand",
        "note": "Given at the embassy in Hà Nội",
    }
    response = member.post(url, data, page=f"/staff/batches/{batch_id}")
    assert response.status_code == 303
    html = member.client.get(f"/staff/batches/{batch_id}").get_data(as_text=True)
    assert "Delivered on 2026-11-20 by hand, recorded by " + member.email in html
    assert "Given at the embassy in Hà Nội" in html
    with app.app_context():
        batch = db.session.get(Batch, batch_id)
        assert batch.delivered_at.date().isoformat() == "2026-11-20"
        assert batch.delivered_by_id == member.user_id
    again = member.post(url, {**data, "channel": "post"}, page=f"/staff/batches/{batch_id}")
    assert again.status_code == 409
    with app.app_context():
        assert db.session.get(Batch, batch_id).delivery_channel == "hand"


def test_delivery_by_token_is_json_and_rules_are_checked(app, member):
    from petition_service.models import StaffUser
    from tests.factories import make_api_token

    slug = own_petition(app, member).slug
    queued = _batch(app, slug, status=BatchStatus.QUEUED)
    done = _batch(app, slug)
    with app.app_context():
        secret = make_api_token(db.session.get(StaffUser, member.user_id))
        db.session.commit()
    headers = {"Authorization": f"Bearer {secret}", "Accept": "application/json"}
    client = app.test_client()
    not_ready = client.post(
        f"/staff/batches/{queued}/delivered",
        json={"delivered_on": "2026-11-20", "channel": "post"},
        headers=headers,
    )
    assert not_ready.status_code == 409
    invalid = client.post(
        f"/staff/batches/{done}/delivered", json={"channel": "pigeon"}, headers=headers
    )
    assert invalid.status_code == 422
    assert set(invalid.json["errors"]) == {"channel"}  # the date defaults to today
    future = client.post(
        f"/staff/batches/{done}/delivered",
        json={"delivered_on": "2999-01-01", "channel": "post"},
        headers=headers,
    )
    assert future.status_code == 409
    ok = client.post(
        f"/staff/batches/{done}/delivered",
        json={"delivered_on": "2026-11-21", "channel": "email", "note": "PDFs sent"},
        headers=headers,
    )
    assert ok.status_code == 200
    assert ok.json["delivered_at"] == "2026-11-21"
    assert ok.json["delivered_by"] == member.email
    assert ok.json["delivery_channel"] == "email"
