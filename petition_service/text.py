"""Plain-text helpers shared by pages, mails and letters."""

from __future__ import annotations

import re

_BLANK_LINES = re.compile(r"\n\s*\n")


def paragraphs(text: str) -> list[str]:
    """Split plain text into paragraphs at blank lines, dropping empty ones."""
    normalised = text.replace("\r\n", "\n").replace("\r", "\n")
    return [part.strip() for part in _BLANK_LINES.split(normalised) if part.strip()]
