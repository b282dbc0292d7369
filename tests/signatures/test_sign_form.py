from __future__ import annotations

import hashlib
import threading

import pytest
from sqlalchemy import func, select

from petition_service.extensions import db
from petition_service.models import Petition, PetitionStatus, Signature, SignatureStatus
from petition_service.signatures import service
from petition_service.signatures.validation import validate_signature
from tests.factories import make_petition
from tests.signatures.helpers import TOKEN, form_token, post_signature


@pytest.fixture
def slug(app):
    with app.app_context():
        petition = make_petition(allowed_origins=["https://campaign.example.org"])
        db.session.commit()
        return petition.slug


def _signatures(app):
    with app.app_context():
        return db.session.scalars(select(Signature).order_by(Signature.id)).all()


def test_a_good_signature_is_accepted_without_any_cookie(app, client, slug):
    page = client.get(f"/p/{slug}")
    assert "Set-Cookie" not in page.headers
    response = post_signature(client, slug, address="203.0.113.7", name="  Trần Thị Hoa ")
    assert response.status_code == 303
    assert response.headers["Location"].startswith(f"/p/{slug}/thanks")
    assert "Set-Cookie" not in response.headers

    [signature] = _signatures(app)
    assert signature.name == "Trần Thị Hoa"
    assert signature.status is SignatureStatus.PENDING
    assert signature.email_canonical == "hoa@example.org"
    assert (signature.country, signature.city, signature.consent) == ("VN", "Huế", True)
    # The address is kept only as a keyed hash.
    assert signature.client_hash and "203.0.113.7" not in signature.client_hash
    assert signature.client_hash != hashlib.sha256(b"203.0.113.7").hexdigest()[:32]

    thanks = client.get(response.headers["Location"])
    assert "One more step" in thanks.get_data(as_text=True)


def test_names_are_stored_nfc_exactly_as_typed(app, client, slug):
    decomposed = "Nguye\u0302\u0303n  Đình Ba"  # combining marks, two spaces
    assert post_signature(client, slug, name=decomposed).status_code == 303
    [signature] = _signatures(app)
    assert signature.name == "Nguyễn  Đình Ba"


def test_invalid_input_is_422_with_errors_beside_fields_and_values_kept(app, client, slug):
    response = post_signature(client, slug, name="Lan", email="not-an-email", country="ZZ",
                              consent=None, city="Đà Lạt")  # fmt: skip
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'id="sign-email-error"' in html and "Enter a valid email address." in html
    assert 'id="sign-country-error"' in html
    assert 'id="sign-consent-error"' in html
    assert 'aria-describedby="sign-email-error"' in html
    assert 'value="Lan"' in html and 'value="Đà Lạt"' in html and 'value="not-an-email"' in html
    assert "sign-name-error" not in html
    assert _signatures(app) == []


def test_markup_typed_by_a_signer_is_never_echoed_raw(app, client, slug):
    response = post_signature(client, slug, name='<script>alert("x")</script>', email="bad")
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "<script>alert" not in html
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in html


@pytest.mark.parametrize(
    ("name", "why"),
    [("", "required"), ("   ", "required"), ("Hoa\u202egnaH", "bidi override"),
     ("Hoa\u200b", "zero-width space"), ("Ho\x00a", "NUL"), ("Hoa\ufffd", "undecodable bytes"),
     ("H" * 121, "too long")],
)  # fmt: skip
def test_bad_names_are_refused(app, client, slug, name, why):
    response = post_signature(client, slug, name=name)
    assert response.status_code == 422, why
    assert 'id="sign-name-error"' in response.get_data(as_text=True)


def test_bytes_that_are_not_utf8_are_a_400_not_a_500(app, client, slug):
    token = form_token(client, slug)
    body = (
        b"name=Ho%FF%FEa&email=hoa%40example.org&country=VN&consent=on&form_token=" + token.encode()
    )
    response = client.post(f"/p/{slug}/sign", data=body,
                           content_type="application/x-www-form-urlencoded")  # fmt: skip
    assert response.status_code == 400
    assert "not sent as UTF-8" in response.get_data(as_text=True)
    assert _signatures(app) == []


def test_unknown_fields_are_refused(app, client, slug):
    response = post_signature(client, slug, is_admin="1")
    assert response.status_code == 422
    assert _signatures(app) == []


def test_a_huge_body_is_413(app, client, slug):
    response = post_signature(client, slug, city="x" * 100_000)
    assert response.status_code == 413


def test_submitting_faster_than_a_human_is_refused_with_a_fresh_token(app, client, slug):
    app.config["FORM_MIN_SECONDS"] = 3
    try:
        response = post_signature(client, slug, name="Quick Bot")
    finally:
        app.config["FORM_MIN_SECONDS"] = 0
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "That was quick!" in html
    assert 'value="Quick Bot"' in html
    assert _signatures(app) == []
    # The re-shown form carries a token issued now; sent again later, it is accepted.
    fresh = TOKEN.search(html).group(1)
    assert post_signature(client, slug, token=fresh, name="Quick Bot").status_code == 303


def test_an_expired_token_is_refused(app, client, slug):
    token = form_token(client, slug)
    app.config["FORM_TOKEN_MAX_AGE_SECONDS"] = -1
    try:
        response = post_signature(client, slug, token=token)
    finally:
        app.config["FORM_TOKEN_MAX_AGE_SECONDS"] = 24 * 3600
    assert response.status_code == 422
    assert "open for a long time" in response.get_data(as_text=True)


def test_a_token_for_another_petition_or_forged_is_refused(app, client, slug):
    with app.app_context():
        other = make_petition().slug
        db.session.commit()
    assert post_signature(client, slug, token=form_token(client, other)).status_code == 422
    assert post_signature(client, slug, token="forged.token.value").status_code == 422
    assert _signatures(app) == []


def test_a_repeat_is_answered_exactly_like_a_new_signature(app, client, slug):
    first = post_signature(client, slug, email="Hoa.Tran+petition@gmail.com")
    repeat = post_signature(client, slug, email="hoatran@GMAIL.com", name="Someone Else")
    assert first.status_code == repeat.status_code == 303
    assert first.headers["Location"] == repeat.headers["Location"]
    assert first.get_data() == repeat.get_data()
    [signature] = _signatures(app)
    assert signature.name == "Trần Thị Hoa"  # the first signature stands


def test_the_honeypot_drops_the_submission_silently(app, client, slug):
    response = post_signature(client, slug, website="https://spam.example")
    assert response.status_code == 303
    assert _signatures(app) == []


def test_a_closed_petition_answers_410_with_its_message(app, client):
    with app.app_context():
        petition = make_petition()
        db.session.commit()
        slug, petition_id = petition.slug, petition.id
    token = form_token(client, slug)
    with app.app_context():
        closed = db.session.get(Petition, petition_id)
        closed.status, closed.update_message = PetitionStatus.CLOSED, "Delivered in May."
        db.session.commit()
    response = post_signature(client, slug, token=token)
    assert response.status_code == 410
    assert "Delivered in May." in response.get_data(as_text=True)
    assert _signatures(app) == []


def test_a_draft_cannot_be_signed(app, client):
    with app.app_context():
        slug = make_petition(status=PetitionStatus.DRAFT).slug
        db.session.commit()
    response = client.post(f"/p/{slug}/sign", data={"name": "x"})
    assert response.status_code == 404


def test_concurrent_identical_signatures_make_one_row(app):
    with app.app_context():
        petition = make_petition()
        db.session.commit()
        petition_id = petition.id
    with app.test_request_context():
        data = validate_signature({"name": "Lan", "email": "lan@example.org", "country": "VN",
                                   "consent": True}).value  # fmt: skip
    outcomes, failures = [], []
    barrier = threading.Barrier(6)

    def sign():
        with app.app_context():
            petition = db.session.get(Petition, petition_id)
            barrier.wait()
            try:
                outcomes.append(service.sign_petition(petition, data, client_hash="x",
                                                      language="en").outcome)  # fmt: skip
                db.session.commit()
            except Exception as exc:  # noqa: BLE001
                failures.append(exc)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=sign) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    assert sorted(o.value for o in outcomes) == ["new"] + ["repeat"] * 5
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Signature)) == 1


def test_count_shows_only_confirmed_signatures(app, client, slug):
    post_signature(client, slug)
    html = client.get(f"/p/{slug}").get_data(as_text=True)
    assert '<strong class="count">0</strong>' in html


def test_the_form_speaks_vietnamese(app, client, slug):
    html = client.get(f"/p/{slug}?lang=vi").get_data(as_text=True)
    assert "Ký tên" in html
    assert "Việt Nam" in html  # country names localised
    response = post_signature(client, slug, query="lang=vi", email="sai")
    assert response.status_code == 422
    assert "Nhập một địa chỉ email hợp lệ." in response.get_data(as_text=True)
    good = post_signature(client, slug, query="lang=vi", email="vi@example.org")
    assert "lang=vi" in good.headers["Location"]
    signature = _signatures(app)[-1]
    assert signature.language == "vi"


def test_get_on_the_sign_url_goes_back_to_the_form(client, slug):
    response = client.get(f"/p/{slug}/sign")
    assert response.status_code == 302
    assert f"/p/{slug}" in response.headers["Location"]
