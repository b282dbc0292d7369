"""The letter's geometry, in one place, and the words printed around it.

Every measure of the page lives here, in PDF points (origin bottom-left): the page pieces
(`pieces.py`) draw with them and the letter's stylesheet (`assets/letter.css`) is filled
in from `stylesheet_values()`, so WeasyPrint's layout and the writer agree by construction.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from typing import TypedDict

MM = 72.0 / 25.4
PAGE_W = 210 * MM
PAGE_H = 297 * MM
MARGIN_TOP = 20 * MM
MARGIN_RIGHT = 24 * MM
MARGIN_LEFT = 24 * MM
#: The bottom page margin of the letter: its text never comes below this line.
CONTENT_BOTTOM = 32 * MM
TEXT_W = PAGE_W - MARGIN_LEFT - MARGIN_RIGHT

# The letter's text
BODY_SIZE = 10.5
LINE_HEIGHT = 1.42  # times the font size
#: Room kept in the letter for the signer's name and place (letters mode).
SIGNATURE_MIN_HEIGHT = 19 * MM

# Footer, drawn on every page below the content bottom and its rule: four lines of text
# at the start side (organisation and title, page; date of issue, batch; the receipt's
# address; the Merkle root) and the receipt's QR code at the end side, all in the band
# below the rule, so the letter's room is what it was before receipts.
FOOTER_RULE_Y = 24 * MM
FOOTER_LINE1_Y = 19 * MM
FOOTER_LINE2_Y = 15.4 * MM
FOOTER_LINE3_Y = 11.8 * MM
FOOTER_LINE4_Y = 8.2 * MM
FOOTER_SIZE = 7.5
FOOTER_GAP = 12.0  # between the two texts of a footer line
#: The receipt's QR code: its side, its bottom edge, and the room between it and the text
#: (with the rule above and the page's edge, more than the four modules of quiet zone a
#: reader needs at 33 modules, the size of a receipt address).
QR_SIZE = 16 * MM
QR_BOTTOM = 6 * MM
QR_GAP = 4 * MM
#: The width of the footer's text, beside the code.
FOOTER_TEXT_W = TEXT_W - QR_SIZE - QR_GAP

# The signer's name and place (letters mode): bold name, then place, shrunk to fit
SIG_SIZE = BODY_SIZE
SIG_MIN_SIZE = 6.0
SIG_SHRINK = 0.88  # each step down in size

# Annex table
TABLE_TITLE_SIZE = 12.0
TABLE_RANGE_SIZE = FOOTER_SIZE + 0.5
TABLE_SIZE = 8.6
TABLE_HEADER_SIZE = 8.0
ROW_H = 13.0
HEADER_H = 17.0
TABLE_TOP = PAGE_H - MARGIN_TOP
TITLE_BLOCK_H = 26.0
CELL_PAD = 4.0
MIN_HSCALE = 0.7  # horizontal compression allowed before a cell's text gets smaller
TWO_LINE_SCALE = 0.68  # size of each of the two lines of a cell too long for one
# Column widths as fractions of TEXT_W: No., Name, City, Country, Date signed
COL_FRACTIONS = (0.095, 0.375, 0.2, 0.17, 0.16)
ROWS_PER_PAGE = int((TABLE_TOP - TITLE_BLOCK_H - HEADER_H - CONTENT_BOTTOM) // ROW_H)

# Colours (gray levels and RGB)
TEXT_GRAY = 0.067
FOOTER_GRAY = 0.33
TITLE_RGB = (0.114, 0.208, 0.341)

#: Languages written right to left: the letter is laid out from the right, the table's
#: columns and the footer are mirrored.
RTL_LANGUAGES = frozenset({"ar", "fa", "he", "ur", "ug", "ps", "sd", "ckb", "yi", "dv"})


def is_rtl(language: str) -> bool:
    return language.lower().split("-")[0] in RTL_LANGUAGES


def stylesheet_values() -> dict[str, str]:
    """The measures `assets/letter.css` is filled in with."""

    def mm(points: float) -> str:
        return f"{points / MM:.2f}mm"

    return {
        "margin": f"{mm(MARGIN_TOP)} {mm(MARGIN_RIGHT)} {mm(CONTENT_BOTTOM)} {mm(MARGIN_LEFT)}",
        "body_size": f"{BODY_SIZE}pt",
        "line_height": str(LINE_HEIGHT),
        "signature_min_height": mm(SIGNATURE_MIN_HEIGHT),
    }


def column_edges(rtl: bool = False) -> list[tuple[float, float]]:
    """(left, right) of each table column, in the order No., Name, City, Country, Date."""
    edges = []
    x = MARGIN_LEFT
    for fraction in COL_FRACTIONS:
        width = fraction * TEXT_W
        edges.append((x, x + width))
        x += width
    if rtl:  # mirrored: No. at the right
        edges = [(PAGE_W - right, PAGE_W - left) for left, right in edges]
    return edges


def table_pages(total: int) -> int:
    return max(1, -(-total // ROWS_PER_PAGE))


# --------------------------------------------------------------------------------------
# Words


class Labels(TypedDict):
    """The words printed around the letter, per language."""

    page: str
    batch: str
    issued: str
    subject: str
    behalf: str
    behalf_one: str
    #: Under "on behalf of N signers" in annex mode: true whether or not every signer is
    #: named there (some are shown by initials, some counted only).
    see_annex: str
    annex_title: str
    annex_range: str
    cols: tuple[str, ...]
    #: What a signer counted only is printed as (the table's name, the signature's name).
    withheld: str
    receipt: str
    root: str
    #: How a list of names ends and is separated: "A, B and C".
    and_: str
    comma: str


LABELS: dict[str, Labels] = {
    "en": {
        "page": "Page {x} of {y}",
        "batch": "Batch {id}",
        "issued": "Issued {date}",
        "subject": "Re",
        "behalf": "On behalf of {n} signers",
        "behalf_one": "On behalf of 1 signer",
        "see_annex": "listed in the annex",
        "annex_title": "Annex: signatories",
        "annex_range": "Signers {a}–{b} of {n}",
        "cols": ("No.", "Name", "City", "Country", "Date signed"),
        "withheld": "Name withheld",
        "receipt": "Receipt",
        "root": "Merkle root",
        "and_": " and ",
        "comma": ", ",
    },
    "vi": {
        "page": "Trang {x} / {y}",
        "batch": "Lô {id}",
        "issued": "Ngày {date}",
        "subject": "V/v",
        "behalf": "Thay mặt {n} người ký",
        "behalf_one": "Thay mặt 1 người ký",
        "see_annex": "được liệt kê trong phụ lục",
        "annex_title": "Phụ lục: danh sách người ký",
        "annex_range": "Người ký {a}–{b} / {n}",
        "cols": ("STT", "Họ và tên", "Thành phố", "Quốc gia", "Ngày ký"),
        "withheld": "Giấu tên",
        "receipt": "Biên nhận",
        "root": "Gốc Merkle",
        "and_": " và ",
        "comma": ", ",
    },
    # The right-to-left languages: a mirrored page with English words would read oddly.
    "ar": {
        "page": "صفحة {x} من {y}",
        "batch": "الدفعة {id}",
        "issued": "صدرت في {date}",
        "subject": "الموضوع",
        "behalf": "نيابةً عن {n} من الموقّعين",
        "behalf_one": "نيابةً عن موقّع واحد",
        "see_annex": "المدرجين في الملحق",
        "annex_title": "ملحق: قائمة الموقّعين",
        "annex_range": "الموقّعون {a}–{b} من {n}",
        "cols": ("الرقم", "الاسم", "المدينة", "البلد", "تاريخ التوقيع"),
        "withheld": "الاسم محجوب",
        "receipt": "الإيصال",
        "root": "جذر ميركل",
        "and_": " و",
        "comma": "، ",
    },
    "fa": {
        "page": "صفحهٔ {x} از {y}",
        "batch": "دستهٔ {id}",
        "issued": "تاریخ صدور {date}",
        "subject": "موضوع",
        "behalf": "از طرف {n} امضاکننده",
        "behalf_one": "از طرف یک امضاکننده",
        "see_annex": "که در پیوست فهرست شده‌اند",
        "annex_title": "پیوست: فهرست امضاکنندگان",
        "annex_range": "امضاکنندگان {a}–{b} از {n}",
        "cols": ("ردیف", "نام", "شهر", "کشور", "تاریخ امضا"),
        "withheld": "نام ذکر نشده",
        "receipt": "رسید",
        "root": "ریشهٔ مرکل",
        "and_": " و ",
        "comma": "، ",
    },
    "he": {
        "page": "עמוד {x} מתוך {y}",
        "batch": "אצווה {id}",
        "issued": "הונפק {date}",
        "subject": "הנדון",
        "behalf": "בשם {n} חותמים",
        "behalf_one": "בשם חותם אחד",
        "see_annex": "הרשומים בנספח",
        "annex_title": "נספח: רשימת החותמים",
        "annex_range": "חותמים {a}–{b} מתוך {n}",
        "cols": ("מס׳", "שם", "עיר", "מדינה", "תאריך החתימה"),
        "withheld": "שם חסוי",
        "receipt": "קבלה",
        "root": "שורש מרקל",
        "and_": " ו־",
        "comma": ", ",
    },
    "ur": {
        "page": "صفحہ {x} از {y}",
        "batch": "کھیپ {id}",
        "issued": "تاریخِ اجرا {date}",
        "subject": "بعنوان",
        "behalf": "{n} دستخط کنندگان کی جانب سے",
        "behalf_one": "ایک دستخط کنندہ کی جانب سے",
        "see_annex": "جو ضمیمے میں درج ہیں",
        "annex_title": "ضمیمہ: دستخط کنندگان کی فہرست",
        "annex_range": "دستخط کنندگان {a}–{b} از {n}",
        "cols": ("نمبر", "نام", "شہر", "ملک", "تاریخِ دستخط"),
        "withheld": "نام مخفی",
        "receipt": "رسید",
        "root": "مرکل روٹ",
        "and_": " اور ",
        "comma": "، ",
    },
}

_MONTHS_EN = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


def labels_language(language: str) -> str:
    """The language of the words around the letter: the petition's, else English."""
    lang = language.lower().split("-")[0]
    return lang if lang in LABELS else "en"


def join_names(names: Sequence[str], lang: str) -> str:
    """ "A", "A and B", "A, B and C" in the words of ``lang`` (a `labels_language`)."""
    labels = LABELS[lang]
    if len(names) < 2:
        return "".join(names)
    return labels["comma"].join(names[:-1]) + labels["and_"] + names[-1]


def format_date(d: datetime.date, lang: str) -> str:
    if lang == "en":
        return f"{d.day} {_MONTHS_EN[d.month - 1]} {d.year}"
    return f"{d.day:02d}/{d.month:02d}/{d.year}"


def format_count(n: int, lang: str) -> str:
    s = f"{n:,}"
    return s.replace(",", ".") if lang == "vi" else s
