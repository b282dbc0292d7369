"""Rate limits on signing, shared by the HTML form and the JSON API (one counter each).

Per petition, counted in fixed windows:

- per client (one IPv4 address or one IPv6 /64, see clients.py): a burst rule and a sustained
  rule, SIGN_LIMITS_PER_CLIENT;
- per network (IPv4 /24, IPv6 /48), everyone in it together: SIGN_LIMIT_PER_NETWORK;
- per petition, for the whole deployment: SIGN_LIMIT_PER_PETITION (a flood ceiling).

Besides the limits that refuse, two thresholds only observe: SIGN_SURGE_PER_PETITION and
SIGN_SURGE_PER_NETWORK say when a petition or a network signs "unusually fast", which makes a
proof of work due in `SIGN_CHALLENGE=surge` mode. And a solved challenge's salt is counted too,
so a second use of one solution is seen in the same counters (single use across processes).

Only what is accepted counts against the signer (signatures, repeats and the honeypot, which all
answer like a success): someone who mistyped their email and sends the form again at once must
not be told to wait. So a submission is counted once it is valid, just before it is recorded,
and a refused one gives its hits back. The keys hold only keyed hashes, never an address.

Every window is counted in one round trip to the limiter's storage (one SQLite statement or one
Redis script), however many there are: this runs on every signature, and at surge rates those
round trips were the largest part of a signature's cost.
"""

from __future__ import annotations

import functools
import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from flask import current_app, request
from limits import RateLimitItem, parse_many

from ..errors import TooManyRequestsError
from ..extensions import limiter
from ..ratelimit_storage import hit_all, refund_all
from .clients import ClientHashes

_View = TypeVar("_View", bound=Callable[..., Any])


def counts_its_own_limits(view: _View) -> _View:
    """Mark a sign view: its limits are the windows `count_sign_attempt` counts, and it has
    none of Flask-Limiter's, which then skips it before resolving which of its limits apply
    (that costs more than counting all the sign windows)."""
    view._counts_its_own_limits = True  # type: ignore[attr-defined]
    return view


@limiter.request_filter
def _is_sign_view() -> bool:
    # Flask-Limiter resolves the limits of every request in a before-request hook, even for
    # a view with none (in one process, 7 % of a signature's time); it asks its request
    # filters first.
    view = current_app.view_functions.get(request.endpoint or "")
    return getattr(view, "_counts_its_own_limits", False)


@functools.lru_cache(maxsize=32)
def parse_rules(setting: str) -> tuple[RateLimitItem, ...]:
    # A rule given twice is one window: the multi-row UPSERT cannot touch one key twice.
    return tuple(dict.fromkeys(parse_many(setting))) if setting.strip() else ()


@dataclass(frozen=True)
class _Window:
    key: str
    expiry: int
    amount: int
    refuses: bool  # a limit (refuse beyond it) or a surge threshold (only observe)


@dataclass
class SignCount:
    """What one counted submission learnt: is a challenge due, was its solution used before.

    `refund()` gives every hit back, for a submission refused after it was counted."""

    surging: bool = False
    solution_reused: bool = False
    _windows: list[tuple[str, int]] = field(default_factory=list)

    def refund(self) -> None:
        if self._windows:
            refund_all(limiter.storage, self._windows)
            self._windows = []


def _windows(slugs: Sequence[str], client: ClientHashes, *, observe_surge: bool) -> list[_Window]:
    config = current_app.config
    scopes = [
        (config["SIGN_LIMITS_PER_CLIENT"], ("sign-client", client.client), True),
        (config["SIGN_LIMIT_PER_NETWORK"], ("sign-network", client.network), True),
        (config["SIGN_LIMIT_PER_PETITION"], ("sign-petition",), True),
    ]
    if observe_surge:
        scopes += [
            (config["SIGN_SURGE_PER_NETWORK"], ("surge-network", client.network), False),
            (config["SIGN_SURGE_PER_PETITION"], ("surge-petition",), False),
        ]
    windows: dict[str, _Window] = {}
    for slug in dict.fromkeys(slugs):
        for setting, identifiers, refuses in scopes:
            for rule in parse_rules(setting):
                key = rule.key_for(*identifiers, slug)
                windows[key] = _Window(key, rule.get_expiry(), rule.amount, refuses)
    return list(windows.values())


def count_sign_attempt(
    slugs: Sequence[str],
    client: ClientHashes,
    *,
    observe_surge: bool = False,
    solution_marker: str | None = None,
    solution_ttl: int = 0,
) -> SignCount:
    """Count one valid submission (to each petition in `slugs`) in every window at once.

    Raises TooManyRequestsError (Retry-After: when the last exceeded window ends) and counts
    nothing when a limit is reached. `observe_surge` also counts the surge thresholds;
    `solution_marker` (the hash of a challenge solution's salt) is remembered for
    `solution_ttl` seconds, and `solution_reused` says whether it had been seen already.
    """
    if not current_app.config.get("RATELIMIT_ENABLED", True):
        return SignCount()
    windows = _windows(slugs, client, observe_surge=observe_surge)
    if solution_marker:
        windows.append(_Window(f"altcha-used/{solution_marker}", max(1, solution_ttl), 1, False))
    pairs = [(window.key, window.expiry) for window in windows]
    counts = hit_all(limiter.storage, pairs)
    result = SignCount(_windows=pairs)
    resets = []
    for window, (count, reset_at) in zip(windows, counts, strict=True):
        if count <= window.amount:
            continue
        if window.refuses:
            resets.append(reset_at)
        elif window.key.startswith("altcha-used/"):
            result.solution_reused = True
        else:
            result.surging = True
    if resets:
        result.refund()
        raise TooManyRequestsError(retry_after=max(1, math.ceil(max(resets) - time.time())))
    return result
