"""Absolute links for mails, built on PUBLIC_BASE_URL.

A mail is rendered inside the sign request but read much later, far from that request, so
its links never come from the request's host: they are the configured public base plus the
route's path.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote, urlencode

from flask import current_app
from flask_babel import gettext

from ..i18n import DEFAULT_LANGUAGE, SUPPORTED_LANGUAGES
from ..signatures.models import Signature


def public_url(endpoint: str, **values: Any) -> str:
    # Bound without a request, so the path carries no SCRIPT_NAME; the base carries any prefix.
    adapter = current_app.url_map.bind("localhost", script_name="/")
    return current_app.config["PUBLIC_BASE_URL"].rstrip("/") + adapter.build(endpoint, values)


def petition_url(slug: str) -> str:
    return public_url("petitions.show", slug=slug)


def signer_language(signature: Signature) -> str:
    """The language the signer signed in; their mail and the pages behind its links use it."""
    return signature.language if signature.language in SUPPORTED_LANGUAGES else DEFAULT_LANGUAGE


def share_links(slug: str, title: str, message: str) -> list[tuple[str, str]]:
    """(label, href) pairs to share a petition: plain links, no third-party scripts, so
    nothing on our pages tells another company who signed."""
    return share_links_for(petition_url(slug), title, message)


def share_links_for(url: str, title: str, message: str) -> list[tuple[str, str]]:
    """The same for any page of ours (an organisation's, to share several petitions)."""
    text = f"{message} {url}"
    # mailto wants %20, not "+", for spaces (RFC 6068).
    mailto = urlencode({"subject": title, "body": text}, quote_via=quote)
    return [
        (gettext("Email"), f"mailto:?{mailto}"),
        ("Facebook", f"https://www.facebook.com/sharer/sharer.php?{urlencode({'u': url})}"),
        ("X", f"https://twitter.com/intent/tweet?{urlencode({'text': message, 'url': url})}"),
        ("WhatsApp", f"https://wa.me/?{urlencode({'text': text})}"),
        ("Telegram", f"https://t.me/share/url?{urlencode({'url': url, 'text': message})}"),
    ]
