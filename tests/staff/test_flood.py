"""What staff see of a flood, and invalidating one by email domain or network."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import func, select

from petition_service.extensions import db
from petition_service.models import Petition, Signature, SignatureStatus
from petition_service.types import utcnow
from tests.factories import make_signature
from tests.staff.conftest import own_petition

FLOOD_NETWORK = "f1" * 16


def _flood(app, slug, *, flood=40):
    """A week of quiet signing (about one an hour), then `flood` in the last hour from one
    network and one domain, plus a few ordinary signers."""
    with app.app_context():
        petition = db.session.scalar(select(Petition).where(Petition.slug == slug))
        petition.created_at = utcnow() - timedelta(days=8)
        now = utcnow()
        for hours_ago in range(2, 7 * 24 + 1):
            make_signature(petition, created_at=now - timedelta(hours=hours_ago, minutes=30),
                           network_hash="a0" * 16)  # fmt: skip
        for number in range(flood):
            make_signature(petition, email=f"bot{number}@fake-mail.example",
                           created_at=now - timedelta(minutes=30), network_hash=FLOOD_NETWORK,
                           status=SignatureStatus.PENDING)  # fmt: skip
        for number in range(3):
            make_signature(
                petition,
                email=f"person{number}@example.org",
                created_at=now - timedelta(minutes=5),
                network_hash=f"{number:02d}" * 16,
            )
        db.session.commit()


def test_a_quiet_hour_shows_the_rate_without_alarm(app, member):
    slug = own_petition(app, member).slug
    _flood(app, slug, flood=2)
    html = member.client.get(f"/staff/petitions/{slug}").get_data(as_text=True)
    assert "5 signatures in the last hour; usually 1.0 an hour." in html
    assert "This is unusual" not in html


def test_an_unusual_hour_names_the_busiest_networks_and_domains(app, member):
    slug = own_petition(app, member).slug
    _flood(app, slug)
    html = member.client.get(f"/staff/petitions/{slug}").get_data(as_text=True)
    assert "43 signatures in the last hour; usually 1.0 an hour." in html
    assert "This is unusual" in html
    rows = re.findall(r"<code>([0-9a-f]+)</code></a></td><td>(\d+)</td>", html)
    assert rows[0] == (FLOOD_NETWORK[:12], "40")
    assert "domain=fake-mail.example" in html and ">fake-mail.example</a></td><td>40<" in html
    # Nothing of a client address is shown: only the keyed hash's first characters.
    assert FLOOD_NETWORK not in html


def _invalidated(app) -> int:
    with app.app_context():
        return db.session.scalar(
            select(func.count()).where(Signature.status == SignatureStatus.INVALID)
        )


def test_staff_invalidate_a_flood_by_domain_after_a_preview(app, member):
    slug = own_petition(app, member).slug
    _flood(app, slug)
    listing = member.client.get(f"/staff/petitions/{slug}/signatures",
                                query_string={"domain": "Fake-Mail.example"})  # fmt: skip
    assert "40 signatures match." in listing.get_data(as_text=True)
    form = {"scope": "matching", "domain": "fake-mail.example", "reason": "bot flood"}
    preview = member.post(f"/staff/petitions/{slug}/signatures/invalidate", form)
    assert 'data-count="40"' in preview.get_data(as_text=True)
    assert _invalidated(app) == 0  # a preview changes nothing
    until = re.search(r'name="until" value="([^"]+)"', preview.get_data(as_text=True)).group(1)
    done = member.post(f"/staff/petitions/{slug}/signatures/invalidate",
                       {**form, "confirm": "yes", "until": until})  # fmt: skip
    assert done.status_code == 303
    assert _invalidated(app) == 40
    # The ordinary signers (at example.org) are untouched.
    with app.app_context():
        assert db.session.scalar(
            select(func.count()).where(Signature.email_canonical.like("%@example.org"),
                                       Signature.status == SignatureStatus.INVALID)
        ) == 0  # fmt: skip


def test_staff_invalidate_by_network_hash_prefix(app, member):
    slug = own_petition(app, member).slug
    _flood(app, slug)
    form = {"scope": "matching", "network": FLOOD_NETWORK[:12], "confirm": "yes",
            "until": (utcnow() + timedelta(minutes=1)).strftime("%Y-%m-%dT%H:%M:%S")}  # fmt: skip
    assert member.post(f"/staff/petitions/{slug}/signatures/invalidate", form).status_code == 303
    assert _invalidated(app) == 40
