"""The signatures of a petition as CSV, streamed row by row.

The file is for spreadsheets: UTF-8 with a byte-order mark (so Excel reads Vietnamese names
right), and no cell may begin like a formula, because a signer's name is typed by anyone.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import datetime
from typing import Any

from sqlalchemy import select

from ..extensions import db
from ..petitions.models import Petition
from ..signatures.models import Signature

COLUMNS = (
    "id",
    "name",
    "email",
    "country",
    "city",
    "status",
    "created_at",
    "confirmed_at",
    "wants_updates",
    "language",
    # How the signer appears in the letters (full, initials, anonymous).
    "display",
)
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# Rows fetched per round trip (a server-side cursor on PostgreSQL) and per chunk sent.
CHUNK_ROWS = 1000


def neutralise(value: str) -> str:
    """A leading quote makes spreadsheets show the text instead of running it as a formula."""
    return "'" + value if value.startswith(_FORMULA_STARTS) else value


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, bool):
        return "true" if value else "false"
    if hasattr(value, "value"):  # enums
        return str(value.value)
    return neutralise(str(value))


def csv_filename(petition: Petition) -> str:
    return f"{petition.slug}-signatures.csv"


def signature_csv(petition_id: int) -> Iterator[bytes]:
    """Yield the CSV in chunks; memory stays flat however many signatures there are."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    buffer.write("\ufeff")
    writer.writerow(COLUMNS)
    columns = [getattr(Signature, name) for name in COLUMNS]
    rows = db.session.execute(
        select(*columns)
        .where(Signature.petition_id == petition_id)
        .order_by(Signature.id)
        .execution_options(yield_per=CHUNK_ROWS)
    )
    for partition in rows.partitions():
        for row in partition:
            writer.writerow([_cell(value) for value in row])
        yield buffer.getvalue().encode("utf-8")
        buffer.seek(0)
        buffer.truncate()
    yield buffer.getvalue().encode("utf-8")
