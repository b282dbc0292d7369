"""Who is asking: the client address as ProxyFix left it, only ever kept as a keyed hash."""

from __future__ import annotations

import hashlib
import hmac

from flask import current_app, g, request


def client_hash() -> str:
    """HMAC-SHA256 of the client address, keyed by the app secret; cached per request.

    Enough to rate-limit and to spot abuse; useless to someone holding the database
    without the key. A plain hash of an IPv4 address could be reversed in minutes.
    """
    cached = g.get("_client_hash")
    if cached is None:
        key = current_app.config["CLIENT_HASH_KEY"]
        address = (request.remote_addr or "unknown").encode()
        cached = hmac.new(key, address, hashlib.sha256).hexdigest()[:32]
        g._client_hash = cached
    return cached
