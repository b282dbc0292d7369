"""What a petition page tells link previews, search engines and oEmbed consumers: the
canonical URL, Open Graph and Twitter card tags, language alternates, share links.

Every URL here is absolute on PUBLIC_BASE_URL (a crawler reads them far from the request's
host), and sharing is plain links: no third-party script ever runs on our pages.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

from flask_babel import gettext

from ..mail.links import public_url, share_links
from ..petitions.models import Petition
from ..petitions.texts import PetitionTexts, languages_of
from .cards import HEIGHT as CARD_HEIGHT
from .cards import WIDTH as CARD_WIDTH

OG_LOCALES = {"en": "en_GB", "vi": "vi_VN"}


@dataclass(frozen=True)
class ShareMeta:
    canonical: str
    description: str
    image: str
    image_alt: str
    image_width: int | None
    image_height: int | None
    locale: str
    alternate_locales: list[str]
    alternates: list[tuple[str, str]]  # (hreflang, URL), x-default last
    oembed: str
    poster: str
    links: list[tuple[str, str]]  # (label, href)


def petition_url(slug: str, language: str | None = None) -> str:
    return public_url("petitions.show", slug=slug, **({"lang": language} if language else {}))


def share_meta(
    petition: Petition, texts: PetitionTexts, language: str, chosen: bool = True
) -> ShareMeta:
    """`language` is the page's, `chosen` whether the address named it (`?lang=`) or the
    browser's languages picked it; `texts` are the petition's texts shown on the page.

    Each language's address is its own canonical URL, and the address without `?lang=`
    (the x-default, which follows the reader's browser) is its own too: a canonical URL
    pointing at one language from another would hide that language from search engines."""
    canonical = petition_url(petition.slug, language if chosen else None)
    languages = languages_of(petition)
    if petition.photo_sha256:
        image = public_url("sharing.photo", sha256=petition.photo_sha256, size="large")
        image_alt = texts.title if not petition.person_name else petition.person_name
        width = height = None  # a photo keeps its own proportions
    else:
        image = public_url("sharing.card", slug=petition.slug, lang=language)
        image_alt = texts.title
        width, height = CARD_WIDTH, CARD_HEIGHT
    alternates = [(code, petition_url(petition.slug, code)) for code in languages]
    alternates.append(("x-default", petition_url(petition.slug)))
    message = gettext("Sign the petition: %(title)s", title=texts.title)
    return ShareMeta(
        canonical=canonical,
        description=texts.summary or texts.title,
        image=image,
        image_alt=image_alt,
        image_width=width,
        image_height=height,
        locale=OG_LOCALES.get(texts.language, texts.language),
        alternate_locales=[OG_LOCALES.get(c, c) for c in languages if c != texts.language],
        alternates=alternates,
        oembed=public_url("sharing.oembed") + "?" + urlencode({"url": canonical, "format": "json"}),
        poster=public_url("sharing.poster", slug=petition.slug, lang=language),
        links=share_links(petition.slug, texts.title, message),
    )
