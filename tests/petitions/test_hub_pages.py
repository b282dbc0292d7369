"""The petition page and the embed: the case, the texts in the reader's language, the
sponsors, and what link previews and search engines read."""

from __future__ import annotations

import re
from datetime import date
from html import unescape

from petition_service.extensions import db
from petition_service.models import CaseStatus
from tests.factories import (
    make_organisation,
    make_petition,
    make_sponsor,
    make_translation,
)


def _meta(html: str, key: str) -> list[str]:
    return [
        unescape(value)
        for value in re.findall(
            rf'<meta (?:property|name)="{re.escape(key)}" content="([^"]*)"', html
        )
    ]


def _bilingual(app, **fields) -> str:
    with app.app_context():
        petition = make_petition(
            slug="free-nga",
            title="Free Trần Thị Nga",
            summary="A mother of two, jailed.",
            story="Her story.",
            letter_body="Please release her.",
            language="en",
            person_name="Trần Thị Nga",
            case_status=CaseStatus.SENTENCED,
            detained_on=date(2017, 1, 21),
            sentenced_on=date(2017, 7, 25),
            **fields,
        )
        make_translation(
            petition,
            title="Trả tự do cho Trần Thị Nga",
            summary="Mẹ của hai con.",
            story="Câu chuyện của chị.",
            letter_body="Xin trả tự do cho bà.",
            letter_closing="Trân trọng,",
        )
        db.session.commit()
        return petition.slug


def test_the_page_shows_the_person_their_status_and_key_dates(app, client):
    slug = _bilingual(app)
    html = client.get(f"/p/{slug}?lang=en").text
    assert '<p class="case-person">Trần Thị Nga</p>' in html
    assert "case-status-sentenced" in html and ">Sentenced<" in html
    assert '<time datetime="2017-01-21">January 21, 2017</time>' in html
    assert '<time datetime="2017-07-25">July 25, 2017</time>' in html
    # No photo: a plain placeholder that says so.
    assert 'class="portrait portrait-large portrait-none" role="img"' in html
    assert 'aria-label="No photo of Trần Thị Nga"' in html
    vietnamese = client.get(f"/p/{slug}?lang=vi").text
    assert "Đã bị kết án" in vietnamese and "21 tháng 1, 2017" in vietnamese


def test_released_is_good_news(app, client):
    slug = _bilingual(app)
    with app.app_context():
        from petition_service.models import Petition

        petition = db.session.query(Petition).filter_by(slug=slug).one()
        petition.case_status = CaseStatus.RELEASED
        petition.released_on = date(2020, 1, 17)
        db.session.commit()
    html = client.get(f"/p/{slug}?lang=en").text
    assert 'class="case case-good-news"' in html
    assert "case-status-released" in html and "Released" in html


def test_lang_picks_the_petitions_texts_and_falls_back_to_its_own(app, client):
    slug = _bilingual(app)
    vietnamese = client.get(f"/p/{slug}?lang=vi").text
    assert "<h1>Trả tự do cho Trần Thị Nga</h1>" in vietnamese
    assert '<article class="petition" lang="vi">' in vietnamese
    assert "Xin trả tự do cho bà." in vietnamese and "Please release her." not in vietnamese
    english = client.get(f"/p/{slug}?lang=en").text
    assert "<h1>Free Trần Thị Nga</h1>" in english and "Xin trả tự do" not in english
    # A petition without a Vietnamese text shows its own, marked as English, under a
    # Vietnamese interface.
    with app.app_context():
        other = make_petition(title="Only in English", language="en").slug
        db.session.commit()
    html = client.get(f"/p/{other}?lang=vi").text
    assert '<html lang="vi">' in html and '<article class="petition" lang="en">' in html
    assert "<h1>Only in English</h1>" in html


def test_the_embed_shows_the_case_and_the_readers_language(app, client):
    slug = _bilingual(app)
    html = client.get(f"/embed/{slug}?lang=vi").text
    assert '<h1 lang="vi">Trả tự do cho Trần Thị Nga</h1>' in html
    assert "Trần Thị Nga" in html and "Đã bị kết án" in html
    assert '<meta name="description" content="Mẹ của hai con.">' in html
    assert f'<link rel="canonical" href="http://petitions.example.org/p/{slug}?lang=vi">' in html
    assert '<h1 lang="en">Free Trần Thị Nga</h1>' in client.get(f"/embed/{slug}?lang=en").text


def test_open_graph_twitter_canonical_and_alternates(app, client):
    slug = _bilingual(app)
    html = client.get(f"/p/{slug}?lang=vi").text
    url = f"http://petitions.example.org/p/{slug}"
    assert _meta(html, "og:title") == ["Trả tự do cho Trần Thị Nga"]
    assert _meta(html, "og:description") == ["Mẹ của hai con."]
    assert _meta(html, "og:url") == [f"{url}?lang=vi"]
    assert _meta(html, "og:image") == [f"{url}/card.png?lang=vi"]
    assert _meta(html, "og:image:width") == ["1200"] and _meta(html, "og:locale") == ["vi_VN"]
    assert _meta(html, "twitter:card") == ["summary_large_image"]
    assert f'<link rel="canonical" href="{url}?lang=vi">' in html
    assert f'<link rel="alternate" hreflang="en" href="{url}?lang=en">' in html
    assert f'<link rel="alternate" hreflang="vi" href="{url}?lang=vi">' in html
    assert f'<link rel="alternate" hreflang="x-default" href="{url}">' in html
    # The address without ?lang= follows the browser, and is its own canonical URL.
    negotiated = client.get(f"/p/{slug}", headers={"Accept-Language": "vi"}).text
    assert "<h1>Trả tự do cho Trần Thị Nga</h1>" in negotiated
    assert f'<link rel="canonical" href="{url}">' in negotiated
    assert _meta(negotiated, "og:url") == [url]
    discovery = re.search(
        r'<link rel="alternate" type="application/json\+oembed" href="([^"]+)"', html
    )
    assert discovery is not None
    oembed = unescape(discovery.group(1)).replace("http://petitions.example.org", "")
    assert client.get(oembed).json["type"] == "rich"


def test_share_links_need_no_third_party_script(app, client):
    slug = _bilingual(app)
    html = client.get(f"/p/{slug}?lang=en").text
    scripts = re.findall(r"<script[^>]*>", html)
    assert all("src=" not in tag or 'src="/' in tag for tag in scripts), scripts
    share = html[html.index('id="share-title"') :]
    assert "https://www.facebook.com/sharer/sharer.php?u=" in share
    assert "https://wa.me/?text=" in share and "mailto:?subject=" in share
    assert f'href="http://petitions.example.org/p/{slug}/poster?lang=en"' in share


def test_sponsors_are_named_on_the_page_and_under_the_letter(app, client):
    with app.app_context():
        owner = make_organisation(name="Defend the Defenders (demo)")
        partner = make_organisation(name="Brotherhood (demo)")
        petition = make_petition(organisation=owner)
        make_sponsor(petition, partner)
        db.session.commit()
        slug = petition.slug
    html = client.get(f"/p/{slug}?lang=en").text
    assert "Together with Brotherhood (demo)" in html
    assert (
        "Sent on behalf of the signers by Defend the Defenders (demo), Brotherhood (demo)." in html
    )


def test_recipients_salutation_is_marked_in_their_language(app, client):
    with app.app_context():
        petition = make_petition(
            recipients=[
                {
                    "name": "Nguyễn Phú Trọng",
                    "salutation": "Kính gửi Chủ tịch nước,",
                    "language": "vi",
                }
            ]
        )
        db.session.commit()
        slug = petition.slug
    html = client.get(f"/p/{slug}").text
    assert '<p class="salutation" lang="vi">Kính gửi Chủ tịch nước,</p>' in html


def test_the_petition_page_costs_five_statements_however_many_sponsors_and_languages(app, client):
    from sqlalchemy import event

    with app.app_context():
        petition = make_petition(slug="cheap", language="en", person_name="Trần Thị Nga")
        make_translation(petition)
        for _ in range(3):
            make_sponsor(petition, make_organisation())
        db.session.commit()
        engine = db.engine
    statements: list[str] = []

    def count(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    app.config["COUNT_CACHE_SECONDS"] = 5
    client.get("/p/cheap?lang=vi")  # fills the count cache
    event.listen(engine, "before_cursor_execute", count)
    try:
        assert client.get("/p/cheap?lang=vi").status_code == 200
    finally:
        event.remove(engine, "before_cursor_execute", count)
        app.config["COUNT_CACHE_SECONDS"] = 0
    # The petition with its organisation, then its recipients, texts and sponsors, and its
    # published updates.
    assert len(statements) == 5, statements
