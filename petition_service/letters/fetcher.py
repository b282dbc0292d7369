"""URL fetching policy for WeasyPrint: packaged assets only.

The template and stylesheet refer to assets as ``letters-asset:<relative path>``
(e.g. ``letters-asset:fonts/NotoSerif-Regular.ttf``).  This module resolves
such URLs strictly inside ``letters/assets`` and refuses every other URL
(http, https, file, data, ...) by raising :class:`AssetRefused`.  A missing
asset raises :class:`AssetMissing`.

This module does not import WeasyPrint; :mod:`letters.render` wraps
:func:`resolve_asset` into a WeasyPrint ``URLFetcher`` configured with
``fail_on_errors=True`` so that any refusal aborts the render instead of being
logged and ignored.
"""

from __future__ import annotations

import mimetypes
import pathlib
from urllib.parse import unquote

SCHEME = "letters-asset:"
ASSET_DIR = pathlib.Path(__file__).resolve().parent / "assets"

_TYPES = {
    ".css": "text/css",
    ".ttf": "font/ttf",
    ".otf": "font/otf",
    ".woff2": "font/woff2",
    ".html": "text/html",
}


class AssetError(Exception):
    """Base class for asset fetching failures."""


class AssetRefused(AssetError):
    """A URL outside the packaged assets was requested."""


class AssetMissing(AssetError):
    """A packaged asset URL points at a file that does not exist."""


def asset_url(relpath: str) -> str:
    return SCHEME + relpath


def resolve_asset(url: str) -> tuple[pathlib.Path, str]:
    """Map an asset URL to ``(path, mime_type)`` or raise."""
    if not isinstance(url, str) or not url.startswith(SCHEME):
        raise AssetRefused(f"refusing to fetch non-packaged URL: {url!r}")
    rel = unquote(url[len(SCHEME) :].split("#", 1)[0].split("?", 1)[0]).lstrip("/")
    if not rel or "\\" in rel or "\0" in rel:
        raise AssetRefused(f"invalid asset URL: {url!r}")
    path = (ASSET_DIR / rel).resolve()
    try:
        path.relative_to(ASSET_DIR)
    except ValueError:
        raise AssetRefused(f"asset URL escapes the asset directory: {url!r}") from None
    if not path.is_file():
        raise AssetMissing(f"packaged asset not found: {rel} ({path})")
    mime = (
        _TYPES.get(path.suffix.lower())
        or mimetypes.guess_type(path.name)[0]
        or "application/octet-stream"
    )
    return path, mime
