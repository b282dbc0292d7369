"""How a signer appears: the choice on the form and the API, the protected-country default,
initials in every script, and names that carry a link refused."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from petition_service.extensions import db
from petition_service.models import Signature
from petition_service.signatures.display import Display, initials, printed_signer
from tests.factories import make_petition
from tests.signatures.helpers import fresh_address, post_signature


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Nguyễn Văn Ánh", "N. V. Á."),  # Latin with Vietnamese marks: the cluster, capitals
        ("nguyễn thị hoa", "N. T. H."),
        ("Ирина Петрова", "И. П."),
        ("Ελένη Παπαδοπούλου", "Ε. Π."),
        ("محمد علي", "م. ع."),  # Arabic: first letter of each word, a full stop
        ("مریم میرزاخانی", "م. م."),  # Persian
        ("אברהם כהן", "א. כ."),
        ("राजेश कुमार", "रा. कु."),  # Devanagari: the first akshara, vowel sign included
        ("क्षितिज शर्मा", "क्षि. श."),  # a conjunct is one cluster
        ("மு. கருணாநிதி", "மு. க."),  # Tamil, whose initials are syllables
        ("ශ්‍රී ලංකා", "ශ. ලං."),  # a virama and joiner left dangling are dropped
        ("สมชาย ใจดี", "ส. จ."),  # Thai: the first consonant, a vowel written before it skipped
        ("ຄຳ ສີ", "ຄ. ສ."),  # Lao
        ("毛泽东", "毛"),  # Han: the family name's first character, no full stop
        ("山田 太郎", "山 太"),  # Japanese with a space between family and given name
        ("김민준", "김"),  # Hangul
        ("ნინო ბერიძე", "ნ. ბ."),  # Georgian keeps its lower-case letters
        ("Jean-Pierre (Bob) Dupont", "J. B. D."),
    ],
)
def test_initials_are_grapheme_clusters_in_every_script(name, expected):
    assert initials(name) == expected


def test_printed_signer_per_choice():
    args = ("Trần Thị Nga", "Hà Nội", "VN")
    assert printed_signer(*args, "full") == printed_signer(*args, Display.FULL)
    assert printed_signer(*args, "full").name == "Trần Thị Nga"
    initials_only = printed_signer(*args, "initials")
    assert (initials_only.name, initials_only.city, initials_only.country) == ("T. T. N.", "", "VN")
    anonymous = printed_signer(*args, "anonymous")
    assert (anonymous.name, anonymous.city, anonymous.country) == ("", "", "")


@pytest.fixture
def slugs(app):
    with app.app_context():
        protected = make_petition(protected_countries=["VN"])
        plain = make_petition()
        db.session.commit()
        return protected.slug, plain.slug


def _stored(app, email: str) -> Signature:
    with app.app_context():
        return db.session.scalar(select(Signature).where(Signature.email == email))


def _checked(html: str) -> list[str]:
    return re.findall(r'name="display" type="radio" value="(\w+)"[^>]*?\s+checked', html)


def test_the_form_offers_the_three_choices_and_says_why_for_a_protected_country(app, client, slugs):
    protected, plain = slugs
    html = client.get(f"/p/{protected}").text
    for value in ("full", "initials", "anonymous"):
        assert f'value="{value}"' in html
    assert 'data-protected-countries="VN"' in html
    # No country chosen yet on a protected petition: nothing preselected (the server default
    # then applies), and the line saying why is shown.
    assert _checked(html) == []
    assert "Signing from Vietnam? Then only your initials are preselected" in html
    vietnamese = client.get(f"/p/{protected}?lang=vi").text
    assert "Bạn ký từ Việt Nam?" in vietnamese and "Chỉ tên viết tắt của tôi" in vietnamese
    # A petition that protects nobody starts at the full name and says nothing more.
    html = client.get(f"/p/{plain}").text
    assert _checked(html) == ["full"] and "data-protected-note" not in html


def test_the_form_shown_again_preselects_the_default_of_the_chosen_country(app, client, slugs):
    protected, _ = slugs
    again = post_signature(client, protected, email="not-an-email", country="VN")
    assert again.status_code == 422
    assert _checked(again.text) == ["initials"]
    assert "data-protected-note hidden" not in again.text
    again = post_signature(client, protected, email="not-an-email", country="FR")
    assert _checked(again.text) == ["full"] and "data-protected-note hidden" in again.text
    # The signer's own choice is kept.
    again = post_signature(client, protected, email="x", country="VN", display="full")
    assert _checked(again.text) == ["full"]


def test_the_form_stores_the_choice_and_the_default(app, client, slugs):
    protected, plain = slugs
    cases = [
        (protected, "vn@example.org", "VN", None, Display.INITIALS),
        (protected, "vn-full@example.org", "VN", "full", Display.FULL),
        (protected, "fr@example.org", "FR", None, Display.FULL),
        (protected, "fr-anon@example.org", "FR", "anonymous", Display.ANONYMOUS),
        (plain, "vn-plain@example.org", "VN", None, Display.FULL),
        (plain, "blank@example.org", "VN", "", Display.FULL),
    ]
    for slug, email, country, display, expected in cases:
        fields = {"email": email, "country": country}
        if display is not None:
            fields["display"] = display
        assert post_signature(client, slug, address=fresh_address(), **fields).status_code == 303
        assert _stored(app, email).display is expected, email


def _api_sign(client, slug, **fields):
    token = client.get(f"/api/v1/petitions/{slug}").json["form_token"]
    body = {"name": "Trần Thị Hoa", "email": "hoa@example.org", "country": "VN",
            "consent": True, "form_token": token, **fields}  # fmt: skip
    return client.post(f"/api/v1/petitions/{slug}/signatures", json=body,
                       environ_base={"REMOTE_ADDR": fresh_address()})  # fmt: skip


def test_the_api_shows_protected_countries_and_applies_the_default(app, client, slugs):
    protected, plain = slugs
    assert client.get(f"/api/v1/petitions/{protected}").json["protected_countries"] == ["VN"]
    assert client.get(f"/api/v1/petitions/{plain}").json["protected_countries"] == []

    assert _api_sign(client, protected, email="a@example.org").status_code == 202
    assert _stored(app, "a@example.org").display is Display.INITIALS
    assert _api_sign(client, protected, email="b@example.org", display="full").status_code == 202
    assert _stored(app, "b@example.org").display is Display.FULL
    assert _api_sign(client, protected, email="c@example.org", display=None).status_code == 202
    assert _stored(app, "c@example.org").display is Display.INITIALS
    assert _api_sign(client, plain, email="d@example.org").status_code == 202
    assert _stored(app, "d@example.org").display is Display.FULL

    refused = _api_sign(client, plain, email="e@example.org", display="nickname")
    assert refused.status_code == 422 and set(refused.json["errors"]) == {"display"}
    spec = client.get("/api/v1/openapi.json").json
    schema = spec["components"]["schemas"]
    signature_in = next(v for k, v in schema.items() if k.startswith("SignatureIn"))
    assert "display" in signature_in["properties"]


@pytest.mark.parametrize(
    "name",
    [
        "Visit https://evil.example now",
        "www.phishing.example.org",
        "Lê Văn bit.ly/abc",
        "Call me: someone@example.org",
        "Nguyễn Văn A.com",
    ],
)
def test_a_name_with_a_link_or_an_address_is_refused(app, client, slugs, name):
    _, plain = slugs
    response = post_signature(client, plain, name=name)
    assert response.status_code == 422
    assert "Leave out web and email addresses" in response.text
    vietnamese = post_signature(client, plain, name=name, query="lang=vi")
    assert "Xin bỏ địa chỉ trang web và địa chỉ email" in vietnamese.text
    refused = _api_sign(client, plain, city=name)
    assert refused.status_code == 422 and set(refused.json["errors"]) == {"city"}


@pytest.mark.parametrize("name", ["St.Louis", "J.R.R. Tolkien", "Dr. Nguyễn Văn Ánh", "Anh.Vu"])
def test_names_with_dots_that_are_not_links_pass(app, client, slugs, name):
    _, plain = slugs
    assert post_signature(client, plain, name=name, address=fresh_address()).status_code == 303
