"""Rate limits on signing, shared by the HTML form and the JSON API (one counter each).

Per client and petition, a burst rule and a sustained rule (SIGN_LIMITS_PER_CLIENT), and a
ceiling per petition for the whole deployment (SIGN_LIMIT_PER_PETITION). The client is the
keyed hash of its address, so counters never hold an IP address either.

Only what is accepted counts against the signer (signatures, repeats and the honeypot,
which all answer like a success): someone who mistyped their email and sends the form again
at once must not be told to wait. So the views count a submission once it is valid, just
before recording it, and a refused one gives its hits back.

Every window is counted in one round trip to the limiter's storage (one SQLite statement or
one Redis script), not one per window: this runs on every signature, and at surge rates
those round trips were the largest part of a signature's cost.
"""

from __future__ import annotations

import functools
import math
import time

from flask import current_app
from limits import RateLimitItem, parse_many
from werkzeug.exceptions import TooManyRequests

from ..extensions import limiter
from ..ratelimit_storage import hit_all, refund_all
from .clients import client_hash


@functools.lru_cache(maxsize=16)
def _rules(setting: str) -> tuple[RateLimitItem, ...]:
    # A rule given twice is one window: the multi-row UPSERT cannot touch one key twice.
    return tuple(dict.fromkeys(parse_many(setting)))


def count_sign_attempt(slug: str) -> None:
    """Count one valid submission against its client's and its petition's limits.

    Raises TooManyRequests (with Retry-After: when the last exceeded window ends) and counts
    nothing when any limit is reached.
    """
    config = current_app.config
    if not config.get("RATELIMIT_ENABLED", True):
        return
    client = client_hash()
    rules = [(rule, rule.key_for("sign-client", client, slug))
             for rule in _rules(config["SIGN_LIMITS_PER_CLIENT"])]  # fmt: skip
    rules += [(rule, rule.key_for("sign-petition", slug))
              for rule in _rules(config["SIGN_LIMIT_PER_PETITION"])]  # fmt: skip
    windows = [(key, rule.get_expiry()) for rule, key in rules]
    storage = limiter.storage
    counts = hit_all(storage, windows)
    resets = [reset_at for (rule, _), (count, reset_at) in zip(rules, counts, strict=True)
              if count > rule.amount]  # fmt: skip
    if resets:
        refund_all(storage, windows)
        raise TooManyRequests(retry_after=max(1, math.ceil(max(resets) - time.time())))
