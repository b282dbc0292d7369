from __future__ import annotations

import csv
import io
import unicodedata

from petition_service.extensions import db
from petition_service.models import Petition, SignatureStatus
from petition_service.staff.exports import COLUMNS, neutralise
from tests.factories import make_signature
from tests.staff.conftest import own_petition


def _add(app, slug, **fields):
    with app.app_context():
        from sqlalchemy import select

        petition = db.session.scalar(select(Petition).where(Petition.slug == slug))
        signature = make_signature(petition, **fields)
        db.session.commit()
        return signature.id


def test_neutralise_prefixes_every_formula_start():
    for dangerous in ("=1+1", "+33 1", "-2", "@SUM(A1)", "\tx", "\rx"):
        assert neutralise(dangerous) == "'" + dangerous
    assert neutralise("Trần Thị Nga") == "Trần Thị Nga"
    assert neutralise("") == ""


def test_csv_has_bom_header_exact_names_and_neutralised_cells(app, member):
    slug = own_petition(app, member).slug
    name = unicodedata.normalize("NFC", "Nguyễn Thị Ánh Tuyết")
    first = _add(app, slug, name=name, city="Hà Nội", wants_updates=True, language="vi")
    _add(app, slug, name='=HYPERLINK("http://evil.example")', city="@home", email="a@example.org")
    _add(app, slug, name="-Minus", city="+City", status=SignatureStatus.PENDING)

    response = member.client.get(f"/staff/petitions/{slug}/signatures.csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert f'filename="{slug}-signatures.csv"' in response.headers["Content-Disposition"]
    raw = response.get_data()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert rows[0] == list(COLUMNS)
    assert len(rows) == 4
    by_id = {row[0]: dict(zip(COLUMNS, row, strict=True)) for row in rows[1:]}
    vietnamese = by_id[str(first)]
    assert vietnamese["name"] == name  # byte for byte, NFC kept
    assert vietnamese["city"] == "Hà Nội"
    assert vietnamese["wants_updates"] == "true" and vietnamese["language"] == "vi"
    assert vietnamese["status"] == "confirmed"
    cells = [cell for row in rows[1:] for cell in row]
    assert '\'=HYPERLINK("http://evil.example")' in cells
    assert "'@home" in cells and "'-Minus" in cells and "'+City" in cells
    assert not any(cell[:1] in ("=", "+", "@") for cell in cells)


def test_csv_is_streamed(app, member):
    slug = own_petition(app, member).slug
    for _ in range(5):
        _add(app, slug)
    response = member.client.get(f"/staff/petitions/{slug}/signatures.csv", buffered=False)
    assert response.is_streamed
    assert "Content-Length" not in response.headers
    chunks = list(response.iter_encoded())
    assert len(chunks) >= 2  # header and rows arrive as separate pieces
    assert b"".join(chunks).decode("utf-8-sig").count("\r\n") == 6
    response.close()


def test_csv_of_many_signatures_is_complete(app, member):
    from sqlalchemy import insert

    from petition_service.models import Signature
    from petition_service.types import utcnow

    petition = own_petition(app, member)
    with app.app_context():
        now = utcnow()
        db.session.execute(
            insert(Signature),
            [
                {
                    "petition_id": petition.id,
                    "name": f"Người ký {i}",
                    "email": f"s{i}@example.org",
                    "email_canonical": f"s{i}@example.org",
                    "country": "VN",
                    "status": SignatureStatus.CONFIRMED,
                    "created_at": now,
                }
                for i in range(2500)
            ],
        )
        db.session.commit()
    body = member.client.get(f"/staff/petitions/{petition.slug}/signatures.csv").get_data()
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    assert len(rows) == 2501
    assert rows[-1][1] == "Người ký 2499"
