"""Validators shared by the staff forms."""

from __future__ import annotations

from typing import Any

from wtforms import Field
from wtforms.validators import ValidationError

from ..signatures.validation import unprintable_characters, unprintable_message


class Printable:
    """Refuses text the letters cannot print as typed: a character no font of the letters'
    font set has (an emoji, say). The same check as signing makes on names and cities, so
    a petition's title, letter, closing, recipients and organisation print exactly too."""

    def __call__(self, form: Any, field: Field) -> None:
        missing = unprintable_characters(field.data or "")
        if missing:
            raise ValidationError(str(unprintable_message(missing)))
