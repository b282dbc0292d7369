"""Queries and rules about petitions, used by the pages, the API and the CLI."""

from __future__ import annotations

import contextlib
import math
import threading
import time
from collections.abc import Hashable
from typing import Any

import redis
from flask import Flask, current_app
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload
from werkzeug.exceptions import NotFound

from ..extensions import db
from ..signatures.models import Signature, SignatureStatus
from .models import Petition, PetitionStatus


def get_public_petition(slug: str) -> Petition:
    """The petition with `slug` as the public may see it; drafts do not exist for them."""
    petition = db.session.scalar(
        select(Petition)
        .where(Petition.slug == slug, Petition.status != PetitionStatus.DRAFT)
        .options(selectinload(Petition.recipients), selectinload(Petition.organisation))
    )
    if petition is None:
        raise NotFound("There is no petition at this address. It may have moved or been withdrawn.")
    return petition


def list_open_petitions() -> list[Petition]:
    return list(
        db.session.scalars(
            select(Petition).where(Petition.status == PetitionStatus.OPEN).order_by(Petition.id)
        )
    )


class MemoryCache:
    """Values kept for a few seconds in this process: the counts in the embedded default.

    The count is read on every page view and API poll (the traffic that brought a
    national petitions site down was mostly people reloading the count), so it is
    an indexed COUNT served from memory, never a hot counter row updated per signature.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._values: dict[Hashable, tuple[float, Any]] = {}

    def get(self, key: Hashable) -> Any:
        with self._lock:
            hit = self._values.get(key)
        if hit is None or hit[0] < time.monotonic():
            return None
        return hit[1]

    def put(self, key: Hashable, ttl: float, value: Any) -> None:
        with self._lock:
            self._values[key] = (time.monotonic() + ttl, value)

    def clear(self) -> None:
        with self._lock:
            self._values.clear()


class RedisCountCache:
    """The same, shared by every process and host (REDIS_URL): one COUNT per petition
    every few seconds for the whole deployment, however many servers answer."""

    PREFIX = "petition-service:count:"

    def __init__(self, url: str) -> None:
        self._redis = redis.Redis.from_url(url, socket_timeout=0.5)

    def get(self, petition_id: int) -> int | None:
        try:
            value = self._redis.get(f"{self.PREFIX}{petition_id}")
        except redis.RedisError:
            return None  # the database still answers; a cache outage only costs a COUNT
        return int(value) if value is not None else None

    def put(self, petition_id: int, ttl: float, value: int) -> None:
        with contextlib.suppress(redis.RedisError):
            self._redis.set(f"{self.PREFIX}{petition_id}", value, ex=max(1, math.ceil(ttl)))

    def clear(self) -> None:
        with contextlib.suppress(redis.RedisError):
            for key in self._redis.scan_iter(f"{self.PREFIX}*"):
                self._redis.delete(key)


class _AppCountCache:
    """The running app's cache, whichever kind it is."""

    def _backend(self) -> MemoryCache | RedisCountCache:
        return current_app.extensions["count_cache"]

    def get(self, petition_id: int) -> int | None:
        return self._backend().get(petition_id)

    def put(self, petition_id: int, ttl: float, value: int) -> None:
        self._backend().put(petition_id, ttl, value)

    def clear(self) -> None:
        self._backend().clear()


count_cache = _AppCountCache()


def init_app(app: Flask) -> None:
    redis_url = app.config.get("REDIS_URL")
    app.extensions["count_cache"] = RedisCountCache(redis_url) if redis_url else MemoryCache()


def count_confirmed_signatures(petition_id: int) -> int:
    """Confirmed, valid signatures of a petition, straight from the database."""
    return (
        db.session.scalar(
            select(func.count())
            .select_from(Signature)
            .where(
                Signature.petition_id == petition_id, Signature.status == SignatureStatus.CONFIRMED
            )
        )
        or 0
    )


def signature_count(petition_id: int) -> int:
    """The public count, possibly a few seconds old (COUNT_CACHE_SECONDS)."""
    ttl = float(current_app.config.get("COUNT_CACHE_SECONDS", 5))
    if ttl > 0:
        cached = count_cache.get(petition_id)
        if cached is not None:
            return cached
    value = count_confirmed_signatures(petition_id)
    if ttl > 0:
        count_cache.put(petition_id, ttl, value)
    return value


# Slug -> (id, goal) of public petitions, per process; a petition's id never changes and a
# new goal may show a few seconds late.
_slug_cache = MemoryCache()


def public_count(slug: str) -> dict[str, int]:
    """{"signature_count", "goal"} of a public petition, for the count endpoint.

    The petition's id and goal are cached with its count, so a poll costs no query at all
    while the cache is fresh: polling the count must be as cheap as a health check.
    """
    ttl = float(current_app.config.get("COUNT_CACHE_SECONDS", 5))
    key = ("count-by-slug", slug)
    cached = _slug_cache.get(key) if ttl > 0 else None
    if cached is None:
        petition = get_public_petition(slug)
        cached = (petition.id, petition.goal)
        if ttl > 0:
            _slug_cache.put(key, ttl, cached)
    petition_id, goal = cached
    return {"signature_count": signature_count(petition_id), "goal": goal}
