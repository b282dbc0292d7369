"""Who is asking: the client address as ProxyFix left it, only ever kept as a keyed hash.

The key is random, made once a day (UTC) and kept only in the rate limiter's store: in Redis
when REDIS_URL is set, else in the counters file `instance/ratelimits.db`, never in the
database or beside it in a file of its own, and forgotten the next day. So a copy of the
database cannot be tested against guessed addresses, and hashes a day old cannot be tested
at all; the signatures' own hashes are erased anyway once the limits and the flood panel
they serve are past (signatures/retention.py).

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
import time
from collections.abc import Callable
from dataclasses import dataclass

from flask import Flask, current_app, g, request
from limits.storage import Storage

from ..ratelimit_storage import shared_secret

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


#: The key changes at each UTC midnight; the rate-limit windows it keys last a day at most.
KEY_PERIOD_SECONDS = 24 * 3600


class ClientKeyring:
    """The day's client-hash key, read from the limiter's store once per process and day."""

    def __init__(self, storage: Callable[[], Storage]) -> None:
        self._storage = storage
        self._period = -1
        self._key = b""

    def current(self, now: float | None = None) -> bytes:
        period = int((now if now is not None else time.time()) // KEY_PERIOD_SECONDS)
        if period != self._period:
            # Kept a day past its own so a process reading it just before midnight finds it;
            # then deleted from the store.
            self._key = shared_secret(
                self._storage(), f"client-hash-key:{period}", 2 * KEY_PERIOD_SECONDS
            )
            self._period = period
        return self._key


def init_app(app: Flask, storage: Callable[[], Storage]) -> None:
    app.extensions["client_keyring"] = ClientKeyring(storage)


def _keyed(value: str) -> str:
    key = current_app.extensions["client_keyring"].current()
    return hmac.new(key, value.encode(), hashlib.sha256).hexdigest()[:32]


@dataclass(frozen=True)
class ClientHashes:
    client: str
    network: str


def client_hashes() -> ClientHashes:
    """HMAC-SHA256 of the client and of its network, under the day's key; per request.

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
