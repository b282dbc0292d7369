"""Sample letters, signers and PDF text extraction shared by the letters tests."""

from __future__ import annotations

import datetime
import subprocess
from pathlib import Path

import pypdf

from petition_service.letters.context import LetterContext, LetterRecipient, Signer

SPECIAL_NAMES = [
    "Trần Thị Nga",
    "Nguyễn Phú Trọng",
    "Łukasz Wójcik",
    "Zoë Ólafsdóttir",
    "Nguyễn Thị Hoa",
    "Đặng Thị Bích Ngọc",
    "Søren Kierkegård",
]

HOSTILE_NAMES = [
    '<img src="http://127.0.0.1:9/x">',
    "https://evil.example/",
    "<link rel=stylesheet href='file:///etc/passwd'>",
    "<style>@import url(http://127.0.0.1:9/a.css)</style>",
    "{{ 7*7 }} & <b>bold</b>",
]

CTX = LetterContext(
    batch_id="B-2024-0513-7F3A",
    organisation="Friends of Prisoners of Conscience",
    petition_title="Release the prisoners of conscience held at Trại giam An Điềm",
    language="en",
    letter_paragraphs=[
        "We are writing to you on behalf of the people who have signed this petition, to ask "
        "for the immediate and unconditional release of Trần Thị Nga, Phạm Đoan Trang and all "
        "other prisoners of conscience held solely for the peaceful exercise of their right to "
        "freedom of expression.",
        "Trần Thị Nga, a mother of two, was sentenced to nine years in prison after an unfair "
        "trial. Her health has deteriorated in detention and she has been denied adequate "
        "medical care and regular family visits.",
        "We thank you for your attention to this matter and look forward to your reply.",
    ],
    closing="Yours sincerely,",
    issued_on=datetime.date(2024, 5, 13),
)

RECIPIENTS = [
    LetterRecipient(
        name="Nguyễn Phú Trọng",
        title="State President of the Socialist Republic of Việt Nam",
        salutation="Your Excellency,",
        postal_address="Presidential Palace\n2 Hùng Vương, Ba Đình\nHà Nội, Việt Nam",
    ),
    LetterRecipient(
        name="Nguyễn Đình Ba",
        title="Director, Trại giam An Điềm",
        salutation="Dear Director,",
        postal_address="Trại giam An Điềm\nXã Đại Hưng, huyện Đại Lộc\nQuảng Nam, Việt Nam",
    ),
]


def signer(number: int, name: str, city: str = "Huế", country: str = "VN") -> Signer:
    """``country``: an ISO code, worded in each letter's language; any other text is printed
    as it is given."""
    return Signer(
        number=number,
        name=name,
        city=city,
        country_code=country,
        signed_on=datetime.date(2024, 3, 1) + datetime.timedelta(days=number % 30),
    )


def pdftotext_pages(path: str | Path) -> list[str]:
    """Text per page as poppler extracts it (a second opinion beside pypdf)."""
    out = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", str(path), "-"], check=True, capture_output=True
    ).stdout.decode("utf-8")
    pages = out.split("\f")
    return pages[:-1] if pages and pages[-1].strip() == "" else pages


def pypdf_pages(path: str | Path) -> list[str]:
    return [page.extract_text() for page in pypdf.PdfReader(str(path)).pages]


def pdffonts_rows(path: str | Path) -> list[list[str]]:
    out = subprocess.run(["pdffonts", str(path)], check=True, capture_output=True, text=True).stdout
    return [row.split() for row in out.splitlines()[2:]]
