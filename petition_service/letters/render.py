"""WeasyPrint layout of the letter (the ONLY module that imports weasyprint).

Input is plain data; every string is sanitised (NFC, undrawable characters ->
U+FFFD) and HTML-escaped by Jinja2 autoescaping.  Assets are fetched only
through :class:`PackagedAssetFetcher`, which serves files from
``letters/assets`` and aborts the render on anything else.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

import jinja2
import pikepdf
import weasyprint
from weasyprint.urls import FatalURLFetchingError, URLFetcher, URLFetcherResponse

from . import layout
from .context import LetterContext, LetterRecipient, LetterTooLongError
from .fetcher import ASSET_DIR, AssetError, resolve_asset
from .fonts import sanitize

_ENV = jinja2.Environment(
    loader=jinja2.FileSystemLoader(str(ASSET_DIR)),
    autoescape=True,  # every value is escaped, whatever the template file name
    undefined=jinja2.StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)

#: Fonts WeasyPrint is allowed to embed (PostScript names of packaged fonts).
_ALLOWED_FONT_PREFIXES = ("Letter-Serif", "Letter-Sans", "NotoSerif-", "NotoSans-")

PX_TO_PT = 0.75


class PackagedAssetFetcher(URLFetcher):
    """Serves ``letters-asset:`` URLs from the package; everything else is fatal."""

    def __init__(self):
        super().__init__(fail_on_errors=True, allowed_protocols=("letters-asset",))
        self.fetched: list[str] = []

    def fetch(self, url, headers=None):  # noqa: D401 - WeasyPrint API
        path, mime = resolve_asset(url)  # raises AssetRefused / AssetMissing
        self.fetched.append(url)
        headers = {"Content-Type": mime}
        return URLFetcherResponse(url, body=path.read_bytes(), headers=headers)


@dataclass(frozen=True)
class LetterLayout:
    pdf: bytes
    pages: int
    #: Signature slot on the LAST page, PDF points: (x, top_y, width, height)
    signature_slot: tuple
    degraded_fields: tuple


def _clean(value: str, field: str, degraded: list) -> str:
    text, bad = sanitize(value)
    if bad:
        degraded.append(field)
    return text


def render_letter(
    ctx: LetterContext,
    recipient: LetterRecipient,
    *,
    mode: str,
    total: int,
) -> LetterLayout:
    """Lay out the letter for one recipient.

    ``mode="letters"``: single page, empty signature box (measured and returned
    so the writer can stamp each signer into it); raises
    :class:`LetterTooLongError` if the letter needs more than one page.
    ``mode="annex"``: the letter signed "on behalf of N signers", any length.
    """
    lang = ctx.language
    labels = layout.LABELS[lang]
    degraded: list[str] = []
    address_lines = [
        _clean(line, f"recipient.postal_address[{i}]", degraded)
        for i, line in enumerate(recipient.postal_address.splitlines())
        if line.strip()
    ]
    if mode == "annex":
        n = layout.format_count(total, lang)
        behalf = labels["behalf_one"] if total == 1 else labels["behalf"].format(n=n)
        signature_lines = [
            {"cls": "who", "text": _clean(ctx.organisation, "organisation", [])},
            {"cls": "note", "text": behalf},
            {"cls": "note", "text": labels["see_annex"]},
        ]
    else:
        signature_lines = []
    values = {
        "lang": lang,
        "organisation": _clean(ctx.organisation, "organisation", degraded),
        "issued_on": layout.format_date(ctx.issued_on, lang),
        "petition_title": _clean(ctx.petition_title, "petition_title", degraded),
        "subject_label": labels["subject"],
        "recipient_name": _clean(recipient.name, "recipient.name", degraded),
        "recipient_title": _clean(recipient.title, "recipient.title", degraded),
        "address_lines": address_lines,
        "salutation": _clean(recipient.salutation, "recipient.salutation", degraded),
        "paragraphs": [
            _clean(p, f"letter_paragraphs[{i}]", degraded)
            for i, p in enumerate(ctx.letter_paragraphs)
        ],
        "closing": _clean(ctx.closing, "closing", degraded),
        "signature_lines": signature_lines,
    }
    html_text = _ENV.get_template("letter.html").render(**values)

    fetcher = PackagedAssetFetcher()
    try:
        document = weasyprint.HTML(string=html_text, url_fetcher=fetcher).render()
        pdf = document.write_pdf()
    except FatalURLFetchingError as exc:  # BaseException subclass: convert
        cause = exc.__cause__
        if isinstance(cause, AssetError):
            raise type(cause)(str(cause)) from exc
        raise AssetError(str(exc)) from exc
    if not any(u.endswith("_page.css") for u in fetcher.fetched):
        raise AssetError("letter stylesheet was not loaded")

    pages = len(document.pages)
    if mode == "letters" and pages != 1:
        raise LetterTooLongError(
            f"letter for {recipient.name!r} needs {pages} pages; "
            "letters mode needs one page per signer"
        )
    slot = _find_box(document.pages[-1], "signature")
    _check_fonts(pdf)
    return LetterLayout(pdf=pdf, pages=pages, signature_slot=slot, degraded_fields=tuple(degraded))


def _find_box(page, element_id: str) -> tuple:
    for box in page._page_box.descendants():
        element = getattr(box, "element", None)
        if (
            element is not None
            and element.get("id") == element_id
            and getattr(box, "element_tag", "") == "div"
        ):
            x = box.content_box_x() * PX_TO_PT
            y = box.content_box_y() * PX_TO_PT
            w = box.width * PX_TO_PT
            h = box.height * PX_TO_PT
            return (x, layout.PAGE_H - y, w, h)
    raise RuntimeError(f"#{element_id} box not found in layout")


def _check_fonts(pdf: bytes) -> None:
    """Fail if WeasyPrint embedded anything but the packaged fonts."""
    with pikepdf.open(io.BytesIO(pdf)) as doc:
        for page in doc.pages:
            fonts = page.obj.get("/Resources", pikepdf.Dictionary()).get(
                "/Font", pikepdf.Dictionary()
            )
            for font in fonts.values():
                name = str(font.get("/BaseFont", ""))
                base = name.lstrip("/").split("+", 1)[-1]
                if not base.startswith(_ALLOWED_FONT_PREFIXES):
                    raise AssetError(f"unexpected font embedded by WeasyPrint: {name}")
