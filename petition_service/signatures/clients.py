"""Who is asking: the client address as ProxyFix left it, only ever kept as a keyed hash.

One client is one IPv4 address or one IPv6 /64: every home or mobile connection gets a whole
/64, so counting single IPv6 addresses would give one person 2^64 clients. Addresses are
parsed with `ipaddress` first, so `2001:DB8::1`, `2001:db8:0:0:0:0:0:1` and `2001:db8::1` are
one client, and `::ffff:198.51.100.7` is `198.51.100.7`. Clients of one IPv4 /24 or IPv6 /48
(one organisation's or one provider customer's network) share a further, looser limit.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
from dataclasses import dataclass

from flask import current_app, g, request

IPV4_NETWORK_BITS = 24
IPV6_CLIENT_BITS = 64
IPV6_NETWORK_BITS = 48


@dataclass(frozen=True)
class ClientIdentity:
    """The canonical client and network of an address, as text (never stored)."""

    client: str
    network: str


def identify(address: str | None) -> ClientIdentity:
    """`198.51.100.7` -> (`198.51.100.7`, `198.51.100.0/24`); `2001:db8:1:2:3::9` ->
    (`2001:db8:1:2::/64`, `2001:db8:1::/48`). Something that is not an address (a unix
    socket, a test client) is its own client and network."""
    raw = (address or "unknown").strip()
    try:
        parsed = ipaddress.ip_address(raw.split("%", 1)[0])  # drop an IPv6 zone id
    except ValueError:
        return ClientIdentity(f"other:{raw[:100]}", f"other:{raw[:100]}")
    if isinstance(parsed, ipaddress.IPv6Address) and parsed.ipv4_mapped is not None:
        parsed = parsed.ipv4_mapped
    if isinstance(parsed, ipaddress.IPv4Address):
        network = ipaddress.IPv4Network((int(parsed), IPV4_NETWORK_BITS), strict=False)
        return ClientIdentity(str(parsed), str(network))
    client = ipaddress.IPv6Network((int(parsed), IPV6_CLIENT_BITS), strict=False)
    network6 = ipaddress.IPv6Network((int(parsed), IPV6_NETWORK_BITS), strict=False)
    return ClientIdentity(str(client), str(network6))


def _keyed(value: str) -> str:
    key = current_app.config["CLIENT_HASH_KEY"]
    return hmac.new(key, value.encode(), hashlib.sha256).hexdigest()[:32]


@dataclass(frozen=True)
class ClientHashes:
    client: str
    network: str


def client_hashes() -> ClientHashes:
    """HMAC-SHA256 of the client and of its network, keyed by the app secret; per request.

    Enough to rate-limit and to spot abuse; useless to someone holding the database
    without the key. A plain hash of an IPv4 address could be reversed in minutes.
    """
    cached = g.get("_client_hashes")
    if cached is None:
        identity = identify(request.remote_addr)
        cached = ClientHashes(_keyed(identity.client), _keyed("net:" + identity.network))
        g._client_hashes = cached
    return cached


def client_hash() -> str:
    """The keyed hash of the client (IPv4 address or IPv6 /64): rate-limit keys, storage."""
    return client_hashes().client


def network_hash() -> str:
    """The keyed hash of the client's IPv4 /24 or IPv6 /48."""
    return client_hashes().network
