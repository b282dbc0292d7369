"""Page geometry (PDF points, origin bottom-left) and localised labels."""

from __future__ import annotations

import datetime
from typing import TypedDict

MM = 72.0 / 25.4
PAGE_W = 210 * MM
PAGE_H = 297 * MM
MARGIN_LEFT = 24 * MM
MARGIN_RIGHT = 24 * MM
MARGIN_TOP = 20 * MM
TEXT_W = PAGE_W - MARGIN_LEFT - MARGIN_RIGHT
# Keep in sync with assets/_page.css (@page margin-bottom: 32mm).
CONTENT_BOTTOM = 32 * MM
FOOTER_RULE_Y = 24 * MM
FOOTER_LINE1_Y = 19 * MM
FOOTER_LINE2_Y = 14.6 * MM
FOOTER_SIZE = 7.5

# Signature stamp (letters mode)
SIG_SIZE = 10.5
SIG_LEADING = 1.42 * SIG_SIZE
SIG_MIN_SIZE = 6.0

# Annex table
TABLE_TITLE_SIZE = 12.0
TABLE_SIZE = 8.6
TABLE_HEADER_SIZE = 8.0
ROW_H = 13.0
HEADER_H = 17.0
TABLE_TOP = PAGE_H - MARGIN_TOP
TITLE_BLOCK_H = 26.0
CELL_PAD = 4.0
MIN_HSCALE = 70.0  # % horizontal compression before the font size is reduced
# Column widths as fractions of TEXT_W: No., Name, City, Country, Date signed
COL_FRACTIONS = (0.095, 0.375, 0.2, 0.17, 0.16)
ROWS_PER_PAGE = int((TABLE_TOP - TITLE_BLOCK_H - HEADER_H - CONTENT_BOTTOM) // ROW_H)

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


class Labels(TypedDict):
    """The words printed around the letter, per language."""

    page: str
    batch: str
    issued: str
    subject: str
    behalf: str
    behalf_one: str
    see_annex: str
    annex_title: str
    annex_range: str
    cols: tuple[str, ...]


LABELS: dict[str, Labels] = {
    "en": {
        "page": "Page {x} of {y}",
        "batch": "Batch {id}",
        "issued": "Issued {date}",
        "subject": "Re",
        "behalf": "On behalf of {n} signers",
        "behalf_one": "On behalf of 1 signer",
        "see_annex": "whose names are listed in the annex",
        "annex_title": "Annex: signatories",
        "annex_range": "Signers {a}–{b} of {n}",
        "cols": ("No.", "Name", "City", "Country", "Date signed"),
    },
    "vi": {
        "page": "Trang {x} / {y}",
        "batch": "Lô {id}",
        "issued": "Ngày {date}",
        "subject": "V/v",
        "behalf": "Thay mặt {n} người ký",
        "behalf_one": "Thay mặt 1 người ký",
        "see_annex": "có tên trong danh sách phụ lục",
        "annex_title": "Phụ lục: danh sách người ký",
        "annex_range": "Người ký {a}–{b} / {n}",
        "cols": ("STT", "Họ và tên", "Thành phố", "Quốc gia", "Ngày ký"),
    },
}


def format_date(d: datetime.date, lang: str) -> str:
    if lang == "vi":
        return f"{d.day:02d}/{d.month:02d}/{d.year}"
    return f"{d.day} {_MONTHS_EN[d.month - 1]} {d.year}"


def format_count(n: int, lang: str) -> str:
    s = f"{n:,}"
    return s.replace(",", ".") if lang == "vi" else s


def table_pages(total: int) -> int:
    return max(1, -(-total // ROWS_PER_PAGE))
