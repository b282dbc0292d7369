from __future__ import annotations

import gettext
from pathlib import Path

from babel.messages.pofile import read_po

from petition_service import PACKAGE_DIR
from petition_service.extensions import db
from tests.factories import make_petition

CATALOG_DIR = PACKAGE_DIR / "translations" / "vi" / "LC_MESSAGES"


def _slug(app):
    with app.app_context():
        slug = make_petition(goal=2000).slug
        db.session.commit()
    return slug


def test_page_follows_lang_parameter(app, client):
    slug = _slug(app)
    html = client.get(f"/p/{slug}?lang=vi").get_data(as_text=True)
    assert '<html lang="vi">' in html
    assert "Lá thư" in html
    assert "chữ ký trên mục tiêu 2.000" in html  # Vietnamese number format too


def test_page_follows_accept_language_when_no_parameter(app, client):
    slug = _slug(app)
    html = client.get(f"/p/{slug}", headers={"Accept-Language": "vi-VN,vi;q=0.9,en;q=0.5"}).text
    assert "Lá thư" in html
    english = client.get(f"/p/{slug}?lang=en", headers={"Accept-Language": "vi"}).text
    assert "The letter" in english


def test_unknown_language_falls_back_to_english(app, client):
    slug = _slug(app)
    html = client.get(f"/p/{slug}?lang=xx", headers={"Accept-Language": "fr"}).text
    assert '<html lang="en">' in html and "The letter" in html


def _key(value):
    return value if isinstance(value, str) else value[0]


def test_compiled_catalog_matches_its_source_and_is_complete():
    with open(CATALOG_DIR / "messages.po", "rb") as handle:
        source = [m for m in read_po(handle) if m.id]
    with open(CATALOG_DIR / "messages.mo", "rb") as handle:
        compiled = gettext.GNUTranslations(handle)
    untranslated = [m.id for m in source if not _key(m.string)]
    assert untranslated == [], "run `make translations` and translate these"
    for message in source:
        if isinstance(message.id, tuple):
            served = compiled.ngettext(message.id[0], message.id[1], 2)
        else:
            served = compiled.gettext(message.id)
        assert served == _key(message.string), "messages.mo is stale: run `make translations`"


def test_every_marked_string_is_in_the_catalog():
    with open(CATALOG_DIR.parent.parent / "messages.pot", "rb") as handle:
        template = {_key(m.id) for m in read_po(handle) if m.id}
    with open(CATALOG_DIR / "messages.po", "rb") as handle:
        catalog = {_key(m.id) for m in read_po(handle) if m.id}
    assert template <= catalog
    assert Path(CATALOG_DIR / "messages.mo").stat().st_size > 0
