"""The confirmation mail shows the petition's own words in the signer's language."""

from __future__ import annotations

from tests.factories import make_petition, make_translation, sign_petition
from tests.mail.conftest import html_part, text_part


def test_the_mail_carries_the_petitions_title_and_summary_in_the_signers_language(app, smtp):
    with app.app_context():
        petition = make_petition(title="Free Trần Thị Nga", summary="A mother of two, jailed.")
        make_translation(petition, title="Trả tự do cho Trần Thị Nga", summary="Mẹ của hai con.")
        sign_petition(petition, "an@example.org", name="Nguyễn Văn An", language="vi")
        sign_petition(petition, "jo@example.org", name="Jo", language="en")
    vietnamese, english = smtp.messages
    assert vietnamese["Subject"] == (
        "Xin vui lòng xác nhận chữ ký của bạn: Trả tự do cho Trần Thị Nga"
    )
    assert "“Trả tự do cho Trần Thị Nga”" in text_part(vietnamese)
    assert "“Trả tự do cho Trần Thị Nga”.\n\nMẹ của hai con.\n\nThông tin" in text_part(
        vietnamese
    ).replace("\r\n", "\n")
    assert '<p lang="vi" style="color:#5a5a55;">Mẹ của hai con.</p>' in html_part(vietnamese)
    assert vietnamese["From"].addresses[0].display_name.startswith("Trả tự do cho Trần Thị Nga")
    assert english["Subject"] == "Please confirm your signature: Free Trần Thị Nga"
    assert "A mother of two, jailed." in text_part(english)
    assert "Mẹ của hai con." not in text_part(english)


def test_without_a_translation_the_mail_uses_the_petitions_own_words(app, smtp):
    with app.app_context():
        petition = make_petition(title="Only in English", summary="")
        sign_petition(petition, "an@example.org", name="An", language="vi")
    [mail] = smtp.messages
    assert mail["Subject"].endswith(": Only in English")
    assert "“Only in English”.\n\nThông tin" in text_part(mail).replace("\r\n", "\n")
