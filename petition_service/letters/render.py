"""The letter's layout by WeasyPrint (the only module that imports it).

WeasyPrint lays out `assets/letter.html` once per recipient (line breaks, justification,
right-to-left paragraphs), with the font set of `fonts.py` as @font-face rules fetched
through `fetcher.py` and nothing else: fontconfig is pointed at an empty configuration
before WeasyPrint loads, so no font of the machine takes part. What comes back is plain
data: every line of text with its place, style and direction, the rules, and the box the
signature goes in. The writer draws those lines with the same shaping as everything else
(`pieces.letter_page`), so the letter's text is extracted as exactly as the signers' names
(WeasyPrint's own PDF maps a glyph to one fixed text, which loses Thai and Arabic).
"""

from __future__ import annotations

import os
import unicodedata
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jinja2

from . import layout
from .context import LetterContext, LetterRecipient, LetterTooLongError
from .fetcher import AssetError, font_bytes, font_url, resolve_font
from .fonts import Region, Style, chain, font_files, printable_coverage, region_for

ASSET_DIR = Path(__file__).resolve().parent / "assets"
EMPTY_FONTCONFIG = ASSET_DIR / "fonts-empty.conf"
# WeasyPrint loads fontconfig's configuration from this file for every document: an empty
# one, so that no font of the machine can ever fill in for the set's, in any process.
os.environ["FONTCONFIG_FILE"] = str(EMPTY_FONTCONFIG)

with warnings.catch_warnings():
    # It warns that fontconfig has no fonts: exactly what is intended.
    warnings.filterwarnings("ignore", "No fonts configured in FontConfig")
    import weasyprint
    from weasyprint.formatting_structure import boxes
    from weasyprint.urls import FatalURLFetchingError, URLFetcher, URLFetcherResponse

_ENV = jinja2.Environment(
    loader=jinja2.FileSystemLoader(str(ASSET_DIR)),
    autoescape=True,  # every value is escaped, whatever the template file name
    undefined=jinja2.StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)
#: The stylesheet is ours alone (measures and font URLs): not HTML, so not escaped.
_CSS_ENV = jinja2.Environment(
    loader=jinja2.FileSystemLoader(str(ASSET_DIR)),
    autoescape=False,  # noqa: S701
    undefined=jinja2.StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)
PX = 0.75  # CSS px to PDF points
_FACE_STYLES: tuple[tuple[Style, int, str], ...] = (
    ("serif", 400, "normal"),
    ("serif-bold", 700, "normal"),
    ("serif-italic", 400, "italic"),
    ("sans", 400, "normal"),
    ("sans-bold", 700, "normal"),
)


class FontSetFetcher(URLFetcher):
    """Serves the font set's files (see `fetcher.py`); any other URL fails the render."""

    def __init__(self, characters: str) -> None:
        super().__init__(fail_on_errors=True, allowed_protocols=("letters-font",))
        self.characters = characters
        self.fetched: list[str] = []

    def fetch(self, url: str, headers: Any = None) -> URLFetcherResponse:
        file = resolve_font(url)  # raises AssetRefused
        self.fetched.append(url)
        body = font_bytes(file, self.characters)
        return URLFetcherResponse(url, body=body, headers={"Content-Type": "font/otf"})


@dataclass(frozen=True)
class TextLine:
    """One line of the letter's text as WeasyPrint placed it, in PDF points."""

    x: float  # left edge
    baseline: float
    width: float
    text: str
    style: Style
    size: float
    gray: float | tuple[float, float, float]
    direction: str  # the paragraph's: "ltr" or "rtl"
    #: Extra room after each space of a justified line.
    word_spacing: float


@dataclass(frozen=True)
class Rule:
    x0: float
    y0: float
    x1: float
    y1: float
    width: float
    gray: float


@dataclass(frozen=True)
class LetterPage:
    lines: tuple[TextLine, ...]
    rules: tuple[Rule, ...]


@dataclass(frozen=True)
class Slot:
    """Where the signature goes (letters mode): left, top, width, height in PDF points."""

    x: float
    top: float
    width: float
    height: float


@dataclass(frozen=True)
class LetterLayout:
    pages: tuple[LetterPage, ...]
    signature_slot: Slot  # on the last page
    language: str
    rtl: bool
    #: Fields (e.g. "recipient.name", "letter_paragraphs[2]") with a character no font of
    #: the set has: it prints as an empty box.
    degraded_fields: tuple[str, ...] = ()


def render_letter(
    ctx: LetterContext, recipient: LetterRecipient, *, mode: str, total: int
) -> LetterLayout:
    """Lay out the letter for one recipient.

    The letter is in the recipient's language where the petition has its texts in it
    (`LetterContext.for_language`), and names every sponsor in its letterhead.
    ``mode="letters"``: one page with an empty signature box (measured and returned so the
    writer draws each signer into it); raises `LetterTooLongError` if the letter needs more
    than one page. ``mode="annex"``: the letter signed by the sponsors "on behalf of N
    signers", any length.
    """
    ctx = ctx.for_language(recipient.language)
    values = _template_values(ctx, recipient, mode, total)
    characters = "".join(sorted(set("".join(_strings(values)))))
    region = region_for(characters, language=ctx.language)
    values["stylesheet"] = _stylesheet(characters, region)
    html_text = _ENV.get_template("letter.html").render(**values)

    fetcher = FontSetFetcher(characters)
    try:
        document = weasyprint.HTML(string=html_text, url_fetcher=fetcher).render()
    except FatalURLFetchingError as exc:  # a BaseException subclass: convert
        cause = exc.__cause__
        if isinstance(cause, AssetError):
            raise type(cause)(str(cause)) from exc
        raise AssetError(str(exc)) from exc
    pages = [_page(page) for page in document.pages]
    if mode == "letters" and len(pages) != 1:
        raise LetterTooLongError(
            f"letter for {recipient.name!r} needs {len(pages)} pages; "
            "letters mode needs one page per signer"
        )
    slot = _signature_slot(document.pages[-1])
    return LetterLayout(
        pages=tuple(pages),
        signature_slot=slot,
        language=ctx.language,
        rtl=layout.is_rtl(ctx.language),
        degraded_fields=_degraded_fields(ctx, recipient),
    )


def _template_values(
    ctx: LetterContext, recipient: LetterRecipient, mode: str, total: int
) -> dict[str, Any]:
    """What `assets/letter.html` is filled in with: the letter in ``ctx``'s language, every
    text NFC."""
    lang = layout.labels_language(ctx.language)
    labels = layout.LABELS[lang]
    address_lines = [_nfc(line) for line in recipient.postal_address.splitlines() if line.strip()]
    # Every sponsor, the owner first: the letterhead's sender and, in annex mode, who signs
    # on behalf of the signers.
    sponsors = _nfc(layout.join_names(ctx.sponsor_names, lang))
    if mode == "annex":
        n = layout.format_count(total, lang)
        behalf = labels["behalf_one"] if total == 1 else labels["behalf"].format(n=n)
        signature_lines = [
            {"cls": "who", "text": sponsors},
            {"cls": "note", "text": behalf},
            {"cls": "note", "text": labels["see_annex"]},
        ]
    else:
        signature_lines = []
    return {
        "lang": ctx.language,
        "dir": "rtl" if layout.is_rtl(ctx.language) else "ltr",
        "organisation": sponsors,
        "issued_on": layout.format_date(ctx.issued_on, lang),
        "petition_title": _nfc(ctx.petition_title),
        "subject_label": labels["subject"],
        "recipient_name": _nfc(recipient.name),
        "recipient_title": _nfc(recipient.title),
        "address_lines": address_lines,
        "salutation": _nfc(recipient.salutation),
        "paragraphs": [_nfc(p) for p in ctx.letter_paragraphs],
        "closing": _nfc(ctx.closing),
        "signature_lines": signature_lines,
    }


def _degraded_fields(ctx: LetterContext, recipient: LetterRecipient) -> tuple[str, ...]:
    fields = {
        "organisation": ctx.organisation,
        **{f"sponsors[{i}]": name for i, name in enumerate(ctx.sponsors)},
        "petition_title": ctx.petition_title,
        "closing": ctx.closing,
        "recipient.name": recipient.name,
        "recipient.title": recipient.title,
        "recipient.salutation": recipient.salutation,
        "recipient.postal_address": recipient.postal_address,
        **{f"letter_paragraphs[{i}]": p for i, p in enumerate(ctx.letter_paragraphs)},
    }
    coverage = printable_coverage()
    return tuple(
        name
        for name, text in fields.items()
        if any(ord(c) not in coverage and not c.isspace() for c in _nfc(text))
    )


def _nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for v in value.values() for s in _strings(v)]
    if isinstance(value, list | tuple):
        return [s for v in value for s in _strings(v)]
    return []


def _stylesheet(characters: str, region: Region) -> str:
    """The stylesheet with @font-face rules for the families the letter's text needs."""
    serif = chain("serif", region)
    needed = {0}
    for char in characters:
        if not char.isspace():
            index = next((i for i, f in enumerate(serif) if f.covers(char)), None)
            if index is not None:
                needed.add(index)
    font_faces = []
    for index in sorted(needed):
        for style, weight, font_style in _FACE_STYLES:
            kind = "Sans" if style.startswith("sans") else "Serif"
            file = font_files(style, region)[index]
            font_faces.append(
                {
                    "family": f"Letter {kind} {index}",
                    "weight": weight,
                    "style": font_style,
                    "url": font_url(file),
                }
            )
    values = layout.stylesheet_values()
    return _CSS_ENV.get_template("letter.css").render(
        font_faces=font_faces,
        serif_families=", ".join(f'"Letter Serif {i}"' for i in sorted(needed)),
        sans_families=", ".join(f'"Letter Sans {i}"' for i in sorted(needed)),
        **values,
    )


def _page(page: Any) -> LetterPage:
    lines: list[TextLine] = []
    rules: list[Rule] = []
    for box in page._page_box.descendants():
        if isinstance(box, boxes.TextBox):
            if box.text.strip():
                lines.append(_text_line(box))
        else:
            rules.extend(_rules(box))
    return LetterPage(tuple(lines), tuple(rules))


def _text_line(box: Any) -> TextLine:
    style = box.style
    family = style["font_family"][0] if style["font_family"] else ""
    kind = "sans" if family.startswith("Letter Sans") else "serif"
    bold = style["font_weight"] >= 600
    italic = style["font_style"] != "normal"
    if kind == "sans":
        font_style: Style = "sans-bold" if bold else "sans"
    else:
        font_style = "serif-bold" if bold else ("serif-italic" if italic else "serif")
    return TextLine(
        x=box.position_x * PX,
        baseline=layout.PAGE_H - (box.position_y + box.baseline) * PX,
        width=box.width * PX,
        text=box.text,
        style=font_style,
        size=style["font_size"] * PX,
        gray=_gray(style["color"]),
        direction=style["direction"],
        word_spacing=(box.justification_spacing or 0) * PX,
    )


def _gray(color: Any) -> float | tuple[float, float, float]:
    red, green, blue = color.to("srgb").coordinates
    if red == green == blue:
        return float(red)
    return (float(red), float(green), float(blue))


def _rules(box: Any) -> list[Rule]:
    """The box's solid borders as lines (the letterhead has one)."""
    style = box.style
    x, y = box.border_box_x() * PX, box.border_box_y() * PX
    w, h = box.border_width() * PX, box.border_height() * PX
    found = []
    for side in ("top", "right", "bottom", "left"):
        width = getattr(box, f"border_{side}_width") * PX
        if not width or style[f"border_{side}_style"] != "solid":
            continue
        color = _gray(style[f"border_{side}_color"])
        gray = color if isinstance(color, float) else sum(color) / 3
        inset = width / 2
        x0, y0, x1, y1 = {
            "top": (x, y + inset, x + w, y + inset),
            "bottom": (x, y + h - inset, x + w, y + h - inset),
            "left": (x + inset, y, x + inset, y + h),
            "right": (x + w - inset, y, x + w - inset, y + h),
        }[side]
        found.append(Rule(x0, layout.PAGE_H - y0, x1, layout.PAGE_H - y1, width, gray))
    return found


def _signature_slot(page: Any) -> Slot:
    for box in page._page_box.descendants():
        element = getattr(box, "element", None)
        if (
            element is not None
            and element.get("id") == "signature"
            and getattr(box, "element_tag", "") == "div"
        ):
            x = box.content_box_x() * PX
            y = box.content_box_y() * PX
            return Slot(x, layout.PAGE_H - y, box.width * PX, box.height * PX)
    raise RuntimeError("#signature box not found in layout")
