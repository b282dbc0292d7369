"""Names in every script: signed through the API, confirmed, printed exactly in both modes.

"Exactly" is what a clerk gets back: the text pypdf and poppler's pdftotext extract from the
PDF is the NFC text as typed (poppler's bidi embedding marks aside), right-to-left names in
their logical order too. What cannot be printed is refused at signing with a 422.
"""

from __future__ import annotations

import datetime
import io
import re
import subprocess
import threading
import unicodedata
from dataclasses import replace

import pypdf
import pytest
from sqlalchemy import select

from petition_service.extensions import db
from petition_service.letters import layout
from petition_service.letters.assemble import render_batch_pdf
from petition_service.letters.batches import export_batch, freeze_batch, render_batch
from petition_service.letters.context import LetterContext, LetterRecipient
from petition_service.letters.pdfwriter import fmt
from petition_service.letters.pieces import Painter, signature
from petition_service.letters.render import Slot
from petition_service.models import Batch, BatchMode, BatchStatus, Signature, SignatureStatus
from tests.factories import make_petition
from tests.letters.helpers import CTX, RECIPIENTS, pdftotext_pages, pypdf_pages, signer
from tests.mail.conftest import link
from tests.signatures.helpers import fresh_address

# One signer per script of the contract's list: (name, city, country code).
SCRIPTS = {
    "Latin (Vietnamese)": ("Nguyễn Thị Ánh Tuyết", "Đà Nẵng", "VN"),
    "Greek": ("Ελένη Παπαδοπούλου", "Θεσσαλονίκη", "GR"),
    "Cyrillic": ("Олена Шевченко", "Київ", "UA"),
    "Armenian": ("Նարեկ Սարգսյան", "Երևան", "AM"),
    "Georgian": ("თამარ ბერიძე", "თბილისი", "GE"),
    "Hebrew": ("מיכל כהן", "תל אביב", "IL"),
    "Arabic": ("فاطمة الزهراء", "الإسكندرية", "EG"),
    "Persian": ("علی‌رضا محمدی", "اصفهان", "IR"),
    "Urdu": ("عائشہ چوہدری", "لاہور", "PK"),
    "Uyghur": ("ئىلھام توختى", "قەشقەر", "CN"),
    "Devanagari": ("क्षितिज शर्मा", "वाराणसी", "IN"),
    "Bengali": ("রবীন্দ্রনাথ ঠাকুর", "শান্তিনিকেতন", "IN"),
    "Gurmukhi": ("ਗੁਰਪ੍ਰੀਤ ਕੌਰ", "ਅੰਮ੍ਰਿਤਸਰ", "IN"),
    "Gujarati": ("હેતલ પટેલ", "અમદાવાદ", "IN"),
    "Tamil": ("செல்வி கிருஷ்ணன்", "யாழ்ப்பாணம்", "LK"),
    "Telugu": ("వెంకటేశ్వర్లు రెడ్డి", "విజయవాడ", "IN"),
    "Kannada": ("ಶ್ರುತಿ ಗೌಡ", "ಮೈಸೂರು", "IN"),
    "Malayalam": ("ലക്ഷ്മി മേനോൻ", "തിരുവനന്തപുരം", "IN"),
    "Sinhala": ("කුමාරි පෙරේරා", "ශ්‍රී ජයවර්ධනපුර කෝට්ටේ", "LK"),
    "Thai": ("สุดารัตน์ ศรีสุข", "เชียงใหม่", "TH"),
    "Lao": ("ບຸນມີ ພົມມະຈັນ", "ຫຼວງພະບາງ", "LA"),
    "Khmer": ("ចាន់ ស្រីពៅ", "សៀមរាប", "KH"),
    "Myanmar": ("အောင်ဆန်းစုကြည်", "မန္တလေး", "MM"),
    "Tibetan": ("བསྟན་འཛིན་རྒྱ་མཚོ", "ལྷ་ས", "CN"),
    "Ethiopic": ("ኃይለ ሥላሴ", "አዲስ አበባ", "ET"),
    "Han (simplified)": ("王小明", "广州", "CN"),
    "Han (traditional)": ("陳志明", "臺北", "TW"),
    "Hiragana": ("さくら", "大阪", "JP"),
    "Katakana": ("マリア・ヨハンソン", "横浜", "JP"),
    "Hangul": ("김민준", "부산", "KR"),
}
# Right to left with Latin letters, digits, brackets or a hyphen inside: readers put the
# parts of such a line in an order of their own (the contract allows visual order), so only
# every word is checked, each exactly as typed.
MIXED = {
    "Hebrew with Latin": ("דוד (David) בן-גוריון", "Tel Aviv", "IL"),
    "Arabic with digits": ("محمد علي 2", "دبي", "AE"),
    "Latin with Arabic": ("Anna (محمد) Berg", "Malmö", "SE"),
    "Hebrew with a hyphen": ("דוד בן-גוריון", "ירושלים", "IL"),
}
RECIPIENT_SPECS = [
    {"name": "Nguyễn Phú Trọng", "title": "State President", "salutation": "Your Excellency,"},
    {"name": "Nguyễn Đình Ba", "title": "Prison Director", "salutation": "Dear Director,"},
]


def plain(text: str) -> str:
    """Extracted text without poppler's bidi embedding marks, runs of white space as one."""
    return " ".join(text.translate(dict.fromkeys(range(0x202A, 0x202F))).split())


def _sign(client, slug: str, name: str, city: str, country: str, email: str, **headers):
    token = client.get(f"/api/v1/petitions/{slug}").json["form_token"]
    body = {"name": name, "email": email, "country": country, "city": city,
            "consent": True, "form_token": token}  # fmt: skip
    return client.post(f"/api/v1/petitions/{slug}/signatures", json=body, headers=headers,
                       environ_base={"REMOTE_ADDR": fresh_address()})  # fmt: skip


def test_every_script_signed_through_the_api_prints_exactly_in_both_modes(
    app, client, smtp, storage, tmp_path
):
    signers = {**SCRIPTS, **MIXED}
    with app.app_context():
        slug = make_petition(recipients=RECIPIENT_SPECS, title="Free Trần Thị Nga").slug
        db.session.commit()
    for i, (name, city, country) in enumerate(signers.values()):
        response = _sign(client, slug, name, city, country, f"signer{i}@example.org")
        assert response.status_code == 202, (name, response.json)
    assert len(smtp.messages) == len(signers)
    for mail in smtp.messages:
        assert client.post(link(mail, "confirm")).status_code == 303

    with app.app_context():
        petition_id = db.session.scalar(select(Signature.petition_id))
        stored = db.session.scalars(select(Signature).order_by(Signature.id)).all()
        assert [s.name for s in stored] == [
            unicodedata.normalize("NFC", n) for n, _, _ in signers.values()
        ]
        assert {s.status for s in stored} == {SignatureStatus.CONFIRMED}
        from petition_service.models import Petition

        batch = freeze_batch(db.session.get(Petition, petition_id), "letters")
        db.session.commit()
        batch_id = batch.id
        texts = {}
        for mode in ("letters", "annex"):
            # The same frozen signatures, rendered in each mode in turn.
            batch = db.session.get(Batch, batch_id)
            batch.mode, batch.status = BatchMode(mode), BatchStatus.QUEUED
            db.session.commit()
            batch = render_batch(batch_id)
            assert batch.status is BatchStatus.DONE, batch.error
            out = tmp_path / mode
            export_batch(batch, out)
            texts[mode] = [
                (pdftotext_pages(out / d.file_name), pypdf_pages(out / d.file_name))
                for d in batch.documents
            ]

    for page_number, (name, city, _country) in enumerate(signers.values(), start=1):
        name, city = unicodedata.normalize("NFC", name), unicodedata.normalize("NFC", city)
        # A name in one direction is checked whole; a mixed one word by word.
        expected = (
            [name, city]
            if name in [n for n, _, _ in SCRIPTS.values()]
            else (re.findall(r"\w+", name) + re.findall(r"\w+", city))
        )
        for poppler, pypdf_text in texts["letters"]:
            # Letters mode: the signer's own page carries the name and the city.
            for extracted in (poppler[page_number - 1], pypdf_text[page_number - 1]):
                for part in expected:
                    assert part in plain(extracted), (part, plain(extracted)[-200:])
        for poppler, pypdf_text in texts["annex"]:
            for extracted in (poppler, pypdf_text):
                table = plain(" ".join(extracted[1:]))
                for part in expected:
                    assert part in table, part


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("name", "Anna 😀 Berg"),  # an emoji: no font of the set has it
        ("name", "𓀀𓀁"),  # Egyptian hieroglyphs, installed but not in the set
        ("city", "Malmö 🏳️‍🌈"),
    ],
)
def test_a_character_no_font_has_is_refused_in_the_signers_language(client, app, field, value):
    with app.app_context():
        slug = make_petition().slug
        db.session.commit()
    fields = {"name": "Anna Berg", "city": "Malmö", field: value}
    response = _sign(client, slug, fields["name"], fields["city"], "SE", "anna@example.org")
    assert response.status_code == 422
    [message] = response.json["errors"][field]
    assert "cannot print" in message
    vietnamese = _sign(client, slug, fields["name"], fields["city"], "SE", "anna@example.org",
                       **{"Accept-Language": "vi"})  # fmt: skip
    assert vietnamese.status_code == 422
    assert "không thể in" in vietnamese.json["errors"][field][0]
    with app.app_context():
        assert db.session.scalar(select(Signature)) is None


@pytest.mark.parametrize(
    "name",
    [
        "\u3164\u3164",  # Hangul fillers
        " \u2800 ",  # the blank Braille pattern
        "\u0301\u0302",  # combining marks alone
        "\ufe0f\ufe0e",  # variation selectors
        "\u200d\u200c",  # joiners
    ],
)
def test_a_name_with_no_visible_letter_is_refused(client, app, name):
    with app.app_context():
        slug = make_petition().slug
        db.session.commit()
    response = _sign(client, slug, name, "Huế", "VN", "nobody@example.org")
    assert response.status_code == 422
    assert "name" in response.json["errors"]


def _letter(language: str, title: str, paragraphs: list[str], closing: str) -> LetterContext:
    return LetterContext(
        batch_id="B-42",
        organisation=CTX.organisation if language == "th" else "أصدقاء سجناء الرأي",
        petition_title=title,
        language=language,
        letter_paragraphs=paragraphs,
        closing=closing,
        issued_on=datetime.date(2024, 5, 13),
    )


ARABIC = _letter(
    "ar",
    "أطلقوا سراح تران ثي نغا",
    [
        "نكتب إليكم نيابةً عن الموقّعين على هذه العريضة لنطالب بالإفراج الفوري وغير المشروط "
        "عن تران ثي نغا، المدافعة عن حقوق الإنسان التي سُجنت لأنها عبّرت عن رأيها سلمياً.",
        "لا يجوز أن يُحتجز أحد بسبب تعبيره السلمي عن رأيه، ونرجو أن تتلقى الرعاية الطبية "
        "اللازمة وأن تُتاح لها زيارات عائلتها بانتظام.",
    ],
    "مع فائق الاحترام،",
)
THAI = _letter(
    "th",
    "ปล่อยตัวเจิ่น ถิ หงา",
    [
        "เราเขียนถึงท่านในนามของผู้ลงนามในคำร้องนี้ เพื่อขอให้ปล่อยตัวเจิ่น ถิ หงา "
        "นักปกป้องสิทธิมนุษยชนซึ่งถูกจำคุกเพราะแสดงความคิดเห็นอย่างสันติ โดยทันทีและไม่มีเงื่อนไข",
        "ขอขอบคุณที่ท่านให้ความสนใจในเรื่องนี้ และเราหวังว่าจะได้รับคำตอบจากท่าน",
    ],
    "ขอแสดงความนับถือ",
)
RECIPIENT_AR = LetterRecipient(
    name="نغوين فو ترونغ", title="رئيس الدولة", salutation="سيادة الرئيس،",
    postal_address="القصر الرئاسي\nهانوي",
)  # fmt: skip
RECIPIENT_TH = LetterRecipient(
    name="เหงียน ฟู้ จ่อง", title="ประธานาธิบดี", salutation="เรียน ท่านประธานาธิบดี",
    postal_address="ทำเนียบประธานาธิบดี\nฮานอย",
)  # fmt: skip


@pytest.mark.parametrize(
    ("ctx", "recipient"), [(ARABIC, RECIPIENT_AR), (THAI, RECIPIENT_TH)], ids=["ar", "th"]
)
@pytest.mark.parametrize("mode", ["letters", "annex"])
def test_a_petition_in_arabic_or_thai_prints_its_own_text(tmp_path, ctx, recipient, mode):
    signers = [signer(1, "Trần Thị Nga"), signer(2, "محمد علي", "القاهرة", "مصر")]
    path = tmp_path / "letter.pdf"
    with open(path, "wb") as out:
        result = render_batch_pdf(ctx, recipient, signers, len(signers), mode, out)
    assert result.degraded_fields == []
    texts = (ctx.organisation, ctx.petition_title, *ctx.letter_paragraphs, ctx.closing,
             recipient.name, recipient.title, recipient.salutation)  # fmt: skip
    for pages in (pdftotext_pages(path), pypdf_pages(path)):
        # Every character in order. Spaces aside: Thai has none between words, so a line
        # break may fall where the text has none; and poppler puts punctuation next to a
        # space in a right-to-left line on the other side of that space.
        first = _squeezed(pages[0])
        for text in texts:
            assert _squeezed(text) in first, (text, plain(pages[0]))
    if mode == "letters":
        for pages in (pdftotext_pages(path), pypdf_pages(path)):
            assert "محمد علي" in plain(pages[1])
            assert "القاهرة" in plain(pages[1]) and "مصر" in plain(pages[1])


def _squeezed(text: str) -> str:
    return "".join(plain(text).split())


def _words(path, page: int) -> list[tuple[str, float, float, float]]:
    """(word, left, right, top) of each word poppler finds on ``page`` (1-based), in points
    from the top left corner."""
    html = subprocess.run(
        ["pdftotext", "-bbox", "-f", str(page), "-l", str(page), str(path), "-"],
        check=True, capture_output=True, text=True,
    ).stdout  # fmt: skip
    return [
        (word, float(left), float(right), float(top))
        for left, top, right, word in re.findall(
            r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="[\d.]+">([^<]*)</word>',
            html,
        )
    ]


def test_a_right_to_left_letter_is_laid_out_from_the_right(tmp_path):
    signers = [signer(1, "محمد علي", "القاهرة", "مصر")]
    right = layout.PAGE_W - layout.MARGIN_RIGHT
    for ctx, recipient, rtl in ((ARABIC, RECIPIENT_AR, True), (CTX, RECIPIENTS[0], False)):
        path = tmp_path / f"{ctx.language}.pdf"
        with open(path, "wb") as out:
            render_batch_pdf(ctx, recipient, signers, 1, "letters", out)
        words = _words(path, 1)
        # The salutation's first word and the signer's name start the line: at the right
        # margin in a right-to-left letter, at the left margin otherwise.
        first_word = recipient.salutation.split()[0]
        for word in (first_word, "محمد"):
            # In this mode poppler gives each right-to-left word's letters as drawn.
            [(_, left, right_edge, _top)] = [w for w in words if word in (w[0], w[0][::-1])]
            if rtl:
                assert abs(right_edge - right) < 1.5, (word, right_edge)
            elif word == first_word:
                assert abs(left - layout.MARGIN_LEFT) < 1.5, (word, left)
        assert (pypdf.PdfReader(path).trailer["/Root"]["/ViewerPreferences"].get("/Direction")
                == ("/R2L" if rtl else None))  # fmt: skip


def test_the_signature_block_ends_when_there_is_no_room_left():
    # It used to shrink the text forever when the box's top was within 2 pt of the content
    # bottom; now it stops at the smallest size and draws the name whole.
    painter = Painter()
    slot = Slot(x=layout.MARGIN_LEFT, top=layout.CONTENT_BOTTOM + 1, width=200, height=0)
    result: list[bytes] = []
    worker = threading.Thread(
        target=lambda: result.append(
            signature(
                painter, "Maria-Alexandra Constantinescu", "Kraków", "Polska", slot, False, "SC"
            )  # fmt: skip
        ),
        daemon=True,
    )
    worker.start()
    worker.join(10)
    assert not worker.is_alive(), "the signature block never finished"
    [ops] = result
    smallest = layout.SIG_SIZE
    while smallest * layout.SIG_SHRINK >= layout.SIG_MIN_SIZE:
        smallest *= layout.SIG_SHRINK
    assert f" {fmt(smallest)} Tf".encode() in ops  # the smallest size, not below
    assert ops.count(b"Tm") == 2  # the name and the place, nothing cut


def test_a_long_name_in_any_script_keeps_the_table_columns(tmp_path):
    long_names = [
        "Maria-Alexandra Constantinescu-Vasilescu de la Fuente y Hohenzollern-Sigmaringen",
        "ศรีสุข" * 12,  # Thai: no spaces to break at
        "عبد الرحمن بن محمد بن عبد الله بن إبراهيم بن سليمان الخطيب القحطاني",
    ]
    signers = [signer(i, n) for i, n in enumerate(long_names, start=1)]
    out = io.BytesIO()
    render_batch_pdf(replace(CTX), RECIPIENTS[0], signers, len(signers), "annex", out)
    path = tmp_path / "annex.pdf"
    path.write_bytes(out.getvalue())
    for pages in (pdftotext_pages(path), pypdf_pages(path)):
        table = plain(" ".join(pages[1:])).replace(" ", "")
        for name in long_names:
            assert name.replace(" ", "") in table, name
    # Every cell stays inside its column: each word of a name ends before the city column.
    name_left, name_right = layout.column_edges()[1]
    rows_top = layout.MARGIN_TOP + layout.TITLE_BLOCK_H + layout.HEADER_H - 2
    in_names = [
        w
        for w in _words(path, 2)
        if name_left - 0.5 <= w[1] < name_right and rows_top < w[3] < layout.PAGE_H / 2
    ]
    assert len(in_names) >= len(long_names)
    assert [w for w in in_names if w[2] > name_right + 0.5] == []
