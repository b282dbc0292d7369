"""The picture a chat or social site shows for a petition link when it has no case photo:
a 1200 x 630 PNG with the organisation, the title and the count.

Drawn with Pillow and Noto Sans from the letters' font set (Vietnamese included); kept in a
small per-process cache keyed by everything drawn, so a crawler storm costs one drawing per
petition, language and count.
"""

from __future__ import annotations

import io
import threading
from collections import OrderedDict
from dataclasses import dataclass
from functools import cache

from PIL import Image, ImageDraw, ImageFont

from ..letters.fonts import CORE_DIR, CORE_PACKAGE

WIDTH, HEIGHT = 1200, 630
MARGIN = 72
PAPER = (255, 253, 248)
INK = (29, 29, 27)
ACCENT = (179, 38, 30)
GOOD = (27, 110, 58)
MUTED = (90, 90, 85)


@cache
def _font_path(name: str) -> str:
    # The letters' font set: Debian's fonts-noto-core, which `make install` installs.
    candidate = CORE_DIR / name
    if candidate.is_file():
        return str(candidate)
    raise FileNotFoundError(f"font {candidate} is not installed (Debian package {CORE_PACKAGE})")


@cache
def _font(bold: bool, size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(
        _font_path("NotoSans-Bold.ttf" if bold else "NotoSans-Regular.ttf"), size
    )


@dataclass(frozen=True)
class CardText:
    organisation: str
    title: str
    person: str
    count_line: str  # "1,234 signatures", in the reader's language
    footer: str  # the site's host name
    victory: bool = False


def _wrap(draw: ImageDraw.ImageDraw, text: str, font: ImageFont.FreeTypeFont, width: int,
          max_lines: int) -> list[str]:  # fmt: skip
    """Greedy word wrap; the last line ends in an ellipsis when the text does not fit."""
    lines: list[str] = []
    current = ""
    for word in text.split():
        trial = f"{current} {word}".strip()
        if current and draw.textlength(trial, font=font) > width:
            lines.append(current)
            current = word
        else:
            current = trial
    if current:
        lines.append(current)
    if len(lines) <= max_lines:
        return lines
    kept = lines[:max_lines]
    last = kept[-1]
    while last and draw.textlength(last + " …", font=font) > width:
        last = last.rsplit(" ", 1)[0] if " " in last else last[:-1]
    kept[-1] = last + " …"
    return kept


def draw_card(text: CardText) -> bytes:
    image = Image.new("RGB", (WIDTH, HEIGHT), PAPER)
    draw = ImageDraw.Draw(image)
    band = GOOD if text.victory else ACCENT
    draw.rectangle((0, 0, WIDTH, 18), fill=band)
    draw.rectangle((0, HEIGHT - 96, WIDTH, HEIGHT), fill=band)

    y = 64
    small = _font(True, 30)
    for line in _wrap(draw, text.organisation.upper(), small, WIDTH - 2 * MARGIN, 1):
        draw.text((MARGIN, y), line, font=small, fill=MUTED)
        y += 46
    y += 18
    title_font = _font(True, 64)
    for line in _wrap(draw, text.title, title_font, WIDTH - 2 * MARGIN, 3):
        draw.text((MARGIN, y), line, font=title_font, fill=INK)
        y += 80
    if text.person:
        y += 8
        person_font = _font(False, 38)
        for line in _wrap(draw, text.person, person_font, WIDTH - 2 * MARGIN, 1):
            draw.text((MARGIN, y), line, font=person_font, fill=INK)
    count_font = _font(True, 40)
    draw.text((MARGIN, HEIGHT - 72), text.count_line, font=count_font, fill=(255, 255, 255))
    footer_font = _font(False, 30)
    footer_width = draw.textlength(text.footer, font=footer_font)
    draw.text(
        (WIDTH - MARGIN - footer_width, HEIGHT - 66),
        text.footer,
        font=footer_font,
        fill=(255, 255, 255),
    )
    buffer = io.BytesIO()
    image.save(buffer, "PNG", optimize=True)
    return buffer.getvalue()


class _CardCache:
    def __init__(self, size: int = 128) -> None:
        self._lock = threading.Lock()
        self._cards: OrderedDict[CardText, bytes] = OrderedDict()
        self._size = size

    def get(self, text: CardText) -> bytes:
        with self._lock:
            hit = self._cards.get(text)
            if hit is not None:
                self._cards.move_to_end(text)
                return hit
        png = draw_card(text)
        with self._lock:
            self._cards[text] = png
            while len(self._cards) > self._size:
                self._cards.popitem(last=False)
        return png


card_cache = _CardCache()
