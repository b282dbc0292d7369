"""Slowing password guessing without letting anyone lock a member out.

Only failures count, in fixed windows of growing length (a staircase of back-off: a few
failures wait a minute, more wait an hour, many wait a day):

- per address (one IPv4 address or IPv6 /64), whatever account it tries:
  STAFF_LOGIN_FAILURES_PER_ADDRESS;
- per account, but applied only to addresses that have failed themselves:
  STAFF_LOGIN_FAILURES_PER_ACCOUNT.

So a flood of wrong passwords against an account from anywhere never refuses its owner, who
logs in from an address that has not failed; the flood's own addresses are held back. The
cost to a guesser spreading over many addresses is one argon2 verification per address and
window, and one guess each once the account is over its limit.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

from flask import current_app
from limits import RateLimitItem

from ..errors import TooManyRequestsError
from ..extensions import limiter
from ..ratelimit_storage import hit_all
from ..signatures.clients import client_hash
from ..signatures.limits import parse_rules


@dataclass(frozen=True)
class _Window:
    rule: RateLimitItem
    key: str


def _address_windows() -> list[_Window]:
    address = client_hash()
    setting = current_app.config["STAFF_LOGIN_FAILURES_PER_ADDRESS"]
    return [
        _Window(rule, rule.key_for("login-fail-address", address)) for rule in parse_rules(setting)
    ]


def _account_windows(email: str) -> list[_Window]:
    account = email.strip().lower()[:320]
    setting = current_app.config["STAFF_LOGIN_FAILURES_PER_ACCOUNT"]
    return [
        _Window(rule, rule.key_for("login-fail-account", account)) for rule in parse_rules(setting)
    ]


def _failures(windows: list[_Window]) -> list[tuple[int, float]]:
    storage = limiter.storage
    return [(storage.get(w.key), storage.get_expiry(w.key)) for w in windows]


def check_login_allowed(email: str) -> None:
    """Raise TooManyRequestsError (with Retry-After) if this address must wait before it
    tries `email` again. An address with no failure is always let through."""
    if not current_app.config.get("RATELIMIT_ENABLED", True):
        return
    address = _address_windows()
    address_counts = _failures(address)
    if not any(count for count, _ in address_counts):
        return  # an address that has not failed is never refused
    waits = [reset for w, (count, reset) in zip(address, address_counts, strict=True)
             if count >= w.rule.amount]  # fmt: skip
    account = _account_windows(email)
    waits += [reset for w, (count, reset) in zip(account, _failures(account), strict=True)
              if count >= w.rule.amount]  # fmt: skip
    if waits:
        raise TooManyRequestsError(retry_after=math.ceil(max(waits) - time.time()))


def record_login_failure(email: str) -> None:
    """Count one failed login against this address and the account tried (one round trip)."""
    if not current_app.config.get("RATELIMIT_ENABLED", True):
        return
    windows = _address_windows() + _account_windows(email)
    hit_all(limiter.storage, [(w.key, w.rule.get_expiry()) for w in windows])
