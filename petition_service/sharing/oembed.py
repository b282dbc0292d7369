"""oEmbed 1.0 (https://oembed.com/): a petition page URL pasted into WordPress, Ghost or a
chat becomes the signing form.

The answer is a `rich` type whose `html` is one iframe of the embed page. Consumers that do
not trust us (WordPress for any provider it does not list) keep only an iframe and sandbox
it, so the form works in a sandboxed frame too (see static/embed-sandboxed.js).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlsplit

from flask import current_app
from markupsafe import escape
from sqlalchemy import select
from werkzeug.exceptions import NotFound

from ..extensions import db
from ..i18n import SUPPORTED_LANGUAGES
from ..mail.links import public_url
from ..petitions import service as petitions
from ..petitions.models import Photo
from ..petitions.texts import texts_for
from .cards import HEIGHT as CARD_HEIGHT
from .cards import WIDTH as CARD_WIDTH

DEFAULT_WIDTH = 600
DEFAULT_HEIGHT = 760
MIN_WIDTH, MIN_HEIGHT = 280, 400
CACHE_AGE = 3600
CARD_SIZE = (CARD_WIDTH, CARD_HEIGHT)


class OEmbedError(NotFound):
    """The URL is not a public petition of this service."""


def petition_of_url(url: str) -> tuple[str, str | None]:
    """(slug, lang) of a petition page or embed URL on PUBLIC_BASE_URL."""
    base = urlsplit(current_app.config["PUBLIC_BASE_URL"])
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or parts.netloc.lower() != base.netloc.lower():
        raise OEmbedError("This URL is not a petition of this service.")
    path = parts.path
    prefix = base.path.rstrip("/")
    if prefix:
        if not path.startswith(prefix + "/"):
            raise OEmbedError("This URL is not a petition of this service.")
        path = path[len(prefix) :]
    segments = [segment for segment in path.split("/") if segment]
    if len(segments) != 2 or segments[0] not in ("p", "embed"):
        raise OEmbedError("This URL is not a petition page.")
    lang = parse_qs(parts.query).get("lang", [None])[0]
    return segments[1], lang if lang in SUPPORTED_LANGUAGES else None


def _bounded(value: int | None, default: int, minimum: int) -> int:
    if value is None or value <= 0:
        return default
    return max(minimum, min(default, value))


def oembed_document(
    url: str, maxwidth: int | None = None, maxheight: int | None = None
) -> dict[str, Any]:
    slug, lang = petition_of_url(url)
    petition = petitions.get_public_petition(slug)
    language = lang or petition.language
    texts = texts_for(petition, language)
    width = _bounded(maxwidth, DEFAULT_WIDTH, MIN_WIDTH)
    height = _bounded(maxheight, DEFAULT_HEIGHT, MIN_HEIGHT)
    embed_src = public_url("embed.form", slug=petition.slug, lang=language)
    html = (
        f'<iframe src="{escape(embed_src)}" width="{width}" height="{height}" '
        f'title="{escape(texts.title)}" frameborder="0" scrolling="auto" '
        f'style="border:0;max-width:100%"></iframe>'
    )
    organisation = petition.organisation
    document: dict[str, Any] = {
        "version": "1.0",
        "type": "rich",
        "title": texts.title,
        "author_name": organisation.name,
        "provider_name": urlsplit(current_app.config["PUBLIC_BASE_URL"]).netloc,
        "provider_url": current_app.config["PUBLIC_BASE_URL"] + "/",
        "cache_age": CACHE_AGE,
        "html": html,
        "width": width,
        "height": height,
    }
    if organisation.is_public:
        document["author_url"] = public_url("organisations.show", slug=organisation.slug)
    size = None
    if petition.photo_sha256:
        size = db.session.execute(
            select(Photo.width, Photo.height).where(Photo.sha256 == petition.photo_sha256)
        ).one_or_none()
    if size is not None:
        document["thumbnail_url"] = public_url(
            "sharing.photo", sha256=petition.photo_sha256, size="large"
        )
        document["thumbnail_width"], document["thumbnail_height"] = size
    else:
        document["thumbnail_url"] = public_url("sharing.card", slug=petition.slug, lang=language)
        document["thumbnail_width"], document["thumbnail_height"] = CARD_SIZE
    return document
