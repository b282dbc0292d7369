"""Signing the way a browser or an API client does."""

from __future__ import annotations

import itertools
import re

_addresses = itertools.count(1)

TOKEN = re.compile(r'name="form_token" value="([^"]+)"')


def fresh_address() -> str:
    """An IPv4 address in a network (/24) of its own, so per-network limits stay out of
    the way of tests that sign many times."""
    number = next(_addresses)
    return f"{100 + number // 65536 % 100}.{number // 256 % 256}.{number % 256}.7"


def form_token(client, slug: str, path: str = "/p/{slug}") -> str:
    html = client.get(path.format(slug=slug)).get_data(as_text=True)
    match = TOKEN.search(html)
    assert match, "the page has no signing form"
    return match.group(1)


def good_fields(**overrides) -> dict[str, str]:
    return {
        "name": "Trần Thị Hoa",
        "email": "hoa@example.org",
        "country": "VN",
        "city": "Huế",
        "consent": "on",
        **overrides,
    }


def post_signature(client, slug: str, *, address: str | None = None, embed: bool = False,
                   token: str | None = None, query: str = "", path: str = "/p/{slug}",
                   **fields):  # fmt: skip
    data = good_fields(**fields)
    data.setdefault("form_token", token or form_token(client, slug, path))
    data = {key: value for key, value in data.items() if value is not None}
    url = f"/p/{slug}/sign?{'embed=1&' if embed else ''}{query}"
    return client.post(url, data=data, environ_base={"REMOTE_ADDR": address or fresh_address()})
