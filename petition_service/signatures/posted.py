"""Reading a posted sign form exactly as typed."""

from __future__ import annotations

from urllib.parse import parse_qsl

from flask import request
from werkzeug.exceptions import BadRequest

#: A sign form has a dozen fields, an organisation's form one more per petition it lists.
MAX_FIELDS = 50


def posted_pairs(max_fields: int = MAX_FIELDS) -> list[tuple[str, str]]:
    """The posted (name, value) pairs in order, refusing bytes that are not UTF-8 instead of
    guessing at them (Werkzeug would keep them as literal %XX text, and a name must be
    exactly as typed)."""
    if request.mimetype != "application/x-www-form-urlencoded":
        return [(name, value) for name, value in request.form.items(multi=True)]
    try:
        return parse_qsl(request.get_data(as_text=False).decode("ascii"), keep_blank_values=True,
                         encoding="utf-8", errors="strict", max_num_fields=max_fields)  # fmt: skip
    except (UnicodeDecodeError, ValueError) as exc:
        raise BadRequest("The form was not sent as UTF-8 text. Please try again.") from exc


def first_values(pairs: list[tuple[str, str]]) -> dict[str, str]:
    """Each field's first value (a field sent twice counts once)."""
    fields: dict[str, str] = {}
    for name, value in pairs:
        fields.setdefault(name, value)
    return fields
