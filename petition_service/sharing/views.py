"""Public routes for sharing a petition: case photos, the link-preview card, the QR poster,
oEmbed and the favicon."""

from __future__ import annotations

import io
from urllib.parse import urlsplit

import segno
from flask import (
    Blueprint,
    Response,
    current_app,
    render_template,
    request,
    send_file,
    send_from_directory,
)
from flask_babel import format_decimal, ngettext
from werkzeug.exceptions import NotImplemented as NotImplementedHTTP

from ..i18n import current_language
from ..mail.links import public_url
from ..petitions import service as petitions
from ..petitions.cases import case_view
from ..petitions.models import PetitionStatus
from ..petitions.texts import texts_for
from .cards import CardText, card_cache
from .oembed import oembed_document
from .photos import photo_file

bp = Blueprint("sharing", __name__)

YEAR = 365 * 24 * 3600


@bp.get("/media/photos/<sha256>-<size>.jpg")
def photo(sha256: str, size: str):
    """A case photo. Its URL names its content, so browsers and proxies keep it for good."""
    response = send_file(photo_file(sha256, size), mimetype="image/jpeg", max_age=YEAR,
                         conditional=True, etag=True)  # fmt: skip
    response.cache_control.public = True
    response.cache_control.immutable = True
    # Campaign sites may show the photo on their own pages.
    response.headers["Cross-Origin-Resource-Policy"] = "cross-origin"
    return response


def _count_line(count: int) -> str:
    return ngettext("%(n)s signature", "%(n)s signatures", count, n=format_decimal(count))


@bp.get("/p/<slug>/card.png")
def card(slug: str):
    """The link-preview picture of a petition without a photo: title and count."""
    petition = petitions.get_public_petition(slug)
    texts = texts_for(petition, current_language())
    count = petitions.signature_count(petition.id)
    text = CardText(
        organisation=petition.organisation.name,
        title=texts.title,
        person=petition.person_name,
        count_line=_count_line(count),
        footer=urlsplit(current_app.config["PUBLIC_BASE_URL"]).netloc,
        victory=petition.status is PetitionStatus.VICTORY,
    )
    response = Response(card_cache.get(text), mimetype="image/png")
    response.cache_control.public = True
    response.cache_control.max_age = 600
    response.headers["Cross-Origin-Resource-Policy"] = "cross-origin"
    return response


def _qr(slug: str) -> segno.QRCode:
    # The address without a language: a phone that scans it gets the page in its own.
    return segno.make(public_url("petitions.show", slug=slug), error="m")


@bp.get("/p/<slug>/qr.svg")
def qr_svg(slug: str):
    """The petition's address as a vector QR code, for posters and leaflets."""
    petitions.get_public_petition(slug)
    buffer = io.BytesIO()
    _qr(slug).save(buffer, kind="svg", scale=10, border=4, xmldecl=True, title=slug)
    response = Response(buffer.getvalue(), mimetype="image/svg+xml")
    response.cache_control.public = True
    response.cache_control.max_age = 3600
    response.headers["Content-Disposition"] = f'inline; filename="{slug}-qr.svg"'
    return response


@bp.get("/p/<slug>/poster")
def poster(slug: str):
    """A printable A4 poster: the case, the title and a QR code to sign on a phone."""
    petition = petitions.get_public_petition(slug)
    texts = texts_for(petition, current_language())
    qr = _qr(slug)
    return render_template(
        "sharing/poster.html",
        petition=petition,
        texts=texts,
        case=case_view(petition),
        # The quiet zone (4 modules of white) is part of the code: scanners need it.
        qr_svg=qr.svg_inline(scale=8, border=4, omitsize=True, dark="#000", light="#fff"),
        url=public_url("petitions.show", slug=slug),
    )


@bp.get("/oembed")
def oembed():
    """oEmbed 1.0 for petition page URLs: `rich`, its html the signing form in an iframe."""
    if request.args.get("format", "json") != "json":
        raise NotImplementedHTTP("Only format=json is offered.")
    document = oembed_document(
        request.args.get("url", ""),
        request.args.get("maxwidth", type=int),
        request.args.get("maxheight", type=int),
    )
    response = current_app.json.response(document)
    response.cache_control.public = True
    response.cache_control.max_age = 3600
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


@bp.get("/favicon.ico")
def favicon():
    response = send_from_directory(
        str(current_app.static_folder),
        "favicon.ico",
        mimetype="image/x-icon",
        max_age=7 * 24 * 3600,
    )
    response.cache_control.public = True
    return response
