"""Draw README's pictures of the letters (docs/letters-mode.png, docs/annex-mode.png).

The demo's open petition, its letter in English and Vietnamese, addressed to the State
President, with a receipt address and a Merkle root as a batch has them; signers in the
demo's scripts. Rendered by the batch renderer itself (no app, no database), then by
poppler at 70 dpi, as the working rules ask to look at PDFs:

    .venv/bin/python tools/letter_pictures.py            # writes docs/*.png
"""

from __future__ import annotations

import datetime
import hashlib
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from petition_service.demo import content  # noqa: E402
from petition_service.demo.vietnamese import OPEN_PETITION_VI, VIETNAMESE_SALUTATIONS  # noqa: E402
from petition_service.letters.assemble import render_batch_pdfs  # noqa: E402
from petition_service.letters.context import (  # noqa: E402
    LetterContext,
    LetterRecipient,
    LetterText,
    Signer,
)
from petition_service.text import paragraphs  # noqa: E402

ISSUED = datetime.date(2026, 11, 30)


def _signers() -> list[Signer]:
    """A few Latin names, then one name in each of the demo's other scripts."""
    people = [
        ("Trần Thị Hoa", "Huế", "VN"),
        ("Zoë Ólafsdóttir", "Reykjavík", "IS"),
        ("فاطمة الزهراء بن علي", "تونس", "TN"),
    ]
    for families, givens, family_first, separator, places in content.OTHER_SCRIPTS.values():
        given, family = givens[0], families[0]
        name = separator.join([family, given] if family_first else [given, family])
        city, country = places[0]
        people.append((name, city, country))
    people += [
        ("Nguyễn Văn Minh", "Đà Nẵng", "VN"),
        ("Siobhán Ní Bhriain", "Dublin", "IE"),
        ("Kwame Mensah", "Accra", "GH"),
    ]
    return [
        Signer(number, name, city, code, ISSUED - datetime.timedelta(days=20 - number % 14))
        for number, (name, city, code) in enumerate(people, start=1)
    ]


def main() -> None:
    petition = content.OPEN_PETITION
    ctx = LetterContext(
        batch_id="2",
        organisation=content.ORGANISATION["name"],
        petition_title=petition["title"],
        language="en",
        letter_paragraphs=paragraphs(petition["letter_body"]),
        closing=petition.get("letter_closing") or "Yours sincerely,",
        issued_on=ISSUED,
        receipt_url="http://127.0.0.1:5000/r/8rFzIGwKUPZM9A-4SGldyA",
        merkle_root=hashlib.sha256(b"a batch's signatures").hexdigest(),
        translations={
            "vi": LetterText(
                OPEN_PETITION_VI["title"],
                tuple(paragraphs(OPEN_PETITION_VI["letter_body"])),
                OPEN_PETITION_VI["letter_closing"],
            )
        },
    )
    president = content.PRESIDENT
    fields = {key: president[key] for key in ("name", "title", "postal_address")}
    vietnamese = LetterRecipient(
        **fields, salutation=VIETNAMESE_SALUTATIONS[president["name"]], language="vi"
    )
    english = LetterRecipient(**fields, salutation=president["salutation"], language="en")
    signers = _signers()
    arabic = next(s for s in signers if s.country_code == "TN")
    with tempfile.TemporaryDirectory() as temp:
        folder = Path(temp)
        jobs = (
            ("letters-mode", [vietnamese], [arabic], "letters", 1),
            ("annex-mode", [english], signers, "annex", 2),
        )
        for name, recipients, people, mode, page in jobs:
            pdf = folder / f"{name}.pdf"
            with pdf.open("wb") as out:
                render_batch_pdfs(ctx, recipients, people, len(people), mode, [out])
            subprocess.run(
                ["pdftoppm", "-r", "70", "-png", "-singlefile", "-f", str(page), "-l", str(page),
                 str(pdf), str(ROOT / "docs" / name)],
                check=True,
            )  # fmt: skip
            print(ROOT / "docs" / f"{name}.png")


if __name__ == "__main__":
    main()
