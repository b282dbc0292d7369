from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select

from petition_service.extensions import db
from petition_service.models import Petition, SignatureStatus
from petition_service.staff.charts import daily_chart, nice_ceiling
from petition_service.types import utcnow
from tests.factories import make_signature
from tests.staff.conftest import own_petition


def _seed(app, slug):
    now = utcnow()
    with app.app_context():
        petition = db.session.scalar(select(Petition).where(Petition.slug == slug))
        for _ in range(3):
            make_signature(petition, country="VN")
        make_signature(petition, country="DE", created_at=now - timedelta(days=2))
        make_signature(petition, country="DE", created_at=now - timedelta(days=90))  # too old
        make_signature(petition, status=SignatureStatus.PENDING)
        make_signature(petition, status=SignatureStatus.INVALID, country="US")
        make_signature(petition, status=SignatureStatus.WITHDRAWN)
        db.session.commit()


def test_dashboard_shows_counts_and_goal_progress(app, member):
    slug = own_petition(app, member, goal=10, title="Free Trần Thị Nga").slug
    _seed(app, slug)
    html = member.client.get("/staff/").get_data(as_text=True)
    row = html.split(f'data-slug="{slug}"')[1].split("</tr>")[0]
    assert "Free Trần Thị Nga" in row
    assert '<td class="num confirmed">5</td>' in row
    assert '<td class="num pending">1</td>' in row
    assert '<td class="num invalid">1</td>' in row
    assert '<progress max="100" value="50">' in row


def test_petition_page_has_counts_charts_embed_snippet_and_batches(app, member):
    petition = own_petition(app, member)
    _seed(app, petition.slug)
    html = member.client.get(f"/staff/petitions/{petition.slug}").get_data(as_text=True)
    assert '<dd id="count-confirmed">5</dd>' in html
    assert '<dd id="count-pending">1</dd>' in html
    assert '<dd id="count-invalid">1</dd>' in html

    daily = re.search(r'<svg class="chart" id="chart-daily".*?</svg>', html, re.S).group(0)
    assert 'role="img"' in daily and 'aria-labelledby="chart-daily-title chart-daily-desc"' in daily
    assert '<title id="chart-daily-title">' in daily and "<desc" in daily
    assert 'data-total="4"' in daily  # the 90-day-old signature is outside the window
    values = [int(v) for v in re.findall(r'<rect class="bar"[^>]*data-value="(\d+)"', daily)]
    assert len(values) == 30 and sum(values) == 4
    assert values[-1] == 3 and values[-3] == 1  # today and two days ago
    assert "<table" not in daily

    sixty = member.client.get(f"/staff/petitions/{petition.slug}?days=60").get_data(as_text=True)
    assert sixty.count('<rect class="bar"') >= 60

    countries = re.search(r'<svg class="chart" id="chart-countries".*?</svg>', html, re.S).group(0)
    assert 'data-total="5"' in countries
    assert ">Vietnam<" in countries and ">Germany<" in countries
    assert 'data-value="3"' in countries and 'data-value="2"' in countries

    snippet = (
        f'&lt;div data-petition="{petition.slug}"&gt;&lt;/div&gt;'
        '&lt;script src="http://petitions.example.org/embed.js" async&gt;&lt;/script&gt;'
    )
    assert snippet in html


def test_country_chart_in_vietnamese(app, member):
    petition = own_petition(app, member)
    _seed(app, petition.slug)
    html = member.client.get(f"/staff/petitions/{petition.slug}?lang=vi").get_data(as_text=True)
    assert ">Việt Nam<" in html


def test_chart_geometry():
    assert [nice_ceiling(n) for n in (0, 1, 3, 7, 10, 11, 199, 501)] == [
        1,
        1,
        5,
        10,
        10,
        20,
        200,
        1000,
    ]
    days = [(date(2026, 11, 1) + timedelta(days=i), i) for i in range(30)]
    from flask import Flask
    from flask_babel import Babel

    app = Flask(__name__)
    Babel(app)
    with app.test_request_context():
        chart = daily_chart(days)
    assert chart.total == sum(range(30))
    tallest = max(chart.bars, key=lambda bar: bar.value)
    assert tallest.y >= chart.plot_top and tallest.y + tallest.height == chart.plot_bottom
    assert all(bar.height >= 0 for bar in chart.bars)
    assert datetime.now(UTC)  # charts take dates, never the clock


def test_scripts_get_the_counts_as_json(app, member):
    from petition_service.models import StaffUser
    from tests.factories import make_api_token

    petition = own_petition(app, member, goal=10)
    _seed(app, petition.slug)
    with app.app_context():
        secret = make_api_token(db.session.get(StaffUser, member.user_id))
        db.session.commit()
    headers = {"Authorization": f"Bearer {secret}", "Accept": "application/json"}
    client = app.test_client()
    listing = client.get("/staff/", headers=headers).json
    expected = {
        "slug": petition.slug,
        "title": petition.title,
        "status": "open",
        "goal": 10,
        "confirmed": 5,
        "pending": 1,
        "invalid": 1,
        "withdrawn": 1,
    }
    assert listing == [expected]
    assert client.get(f"/staff/petitions/{petition.slug}", headers=headers).json == expected
