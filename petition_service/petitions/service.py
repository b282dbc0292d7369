"""Queries and rules about petitions, used by the pages, the API and the CLI."""

from __future__ import annotations

import contextlib
import math
import threading
import time
from collections.abc import Hashable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

import redis
from flask import Flask, current_app
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload, selectinload

from ..errors import NotFoundError
from ..extensions import db
from ..signatures.models import Signature, SignatureStatus
from .models import Petition, PetitionSponsor, PetitionStatus, accepts_signatures

_NOT_FOUND = "There is no petition at this address. It may have moved or been withdrawn."


def get_public_petition(slug: str) -> Petition:
    """The petition with `slug` as the public may see it; drafts do not exist for them."""
    petition = db.session.scalar(
        select(Petition)
        .where(Petition.slug == slug, Petition.status != PetitionStatus.DRAFT)
        .options(
            # One statement per collection, whatever the petition holds; the page, the embed
            # and the API read every one of them.
            joinedload(Petition.organisation),
            selectinload(Petition.recipients),
            selectinload(Petition.translations),
            selectinload(Petition.sponsorships).joinedload(PetitionSponsor.organisation),
        )
    )
    if petition is None:
        raise NotFoundError(_NOT_FOUND)
    return petition


def list_open_petitions() -> list[Petition]:
    return list(
        db.session.scalars(
            select(Petition)
            .where(Petition.status == PetitionStatus.OPEN)
            .order_by(Petition.id)
            .options(selectinload(Petition.translations))
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

    def get_many(self, keys: list[Any]) -> list[Any]:
        return [self.get(key) for key in keys]

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
            # redis-py types a reply as "maybe awaitable"; this client is the synchronous one.
            value = cast("bytes | None", self._redis.get(f"{self.PREFIX}{petition_id}"))
        except redis.RedisError:
            return None  # the database still answers; a cache outage only costs a COUNT
        return int(value) if value is not None else None

    def get_many(self, petition_ids: list[int]) -> list[int | None]:
        """One MGET for a page of petitions, rather than a round trip each."""
        try:
            values = cast(
                "list[bytes | None]", self._redis.mget([f"{self.PREFIX}{i}" for i in petition_ids])
            )
        except redis.RedisError:
            return [None] * len(petition_ids)
        return [int(value) if value is not None else None for value in values]

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

    def get_many(self, petition_ids: list[int]) -> list[int | None]:
        return self._backend().get_many(petition_ids)

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


def signature_counts(petition_ids: list[int]) -> dict[int, int]:
    """The public counts of many petitions (an organisation's page): what the cache holds,
    and one grouped COUNT for the rest, never a query per petition."""
    if not petition_ids:
        return {}
    ttl = float(current_app.config.get("COUNT_CACHE_SECONDS", 5))
    counts: dict[int, int] = {}
    if ttl > 0:
        for petition_id, cached in zip(
            petition_ids, count_cache.get_many(petition_ids), strict=True
        ):
            if cached is not None:
                counts[petition_id] = cached
    missing = [petition_id for petition_id in petition_ids if petition_id not in counts]
    if missing:
        fresh = dict.fromkeys(missing, 0)
        rows = db.session.execute(
            select(Signature.petition_id, func.count())
            .where(
                Signature.petition_id.in_(missing), Signature.status == SignatureStatus.CONFIRMED
            )
            .group_by(Signature.petition_id)
        )
        fresh.update({petition_id: number for petition_id, number in rows})
        for petition_id, value in fresh.items():
            if ttl > 0:
                count_cache.put(petition_id, ttl, value)
            counts[petition_id] = value
    return counts


@dataclass(frozen=True)
class PetitionRef:
    """What signing and counting need of a public petition: plain values, safe to keep in
    a per-process cache and to share between threads."""

    id: int
    slug: str
    title: str
    language: str
    status: PetitionStatus
    opens_at: datetime | None
    closes_at: datetime | None
    update_message: str
    goal: int
    allowed_origins: tuple[str, ...]
    # Signers from these countries are shown by initials unless they choose otherwise.
    protected_countries: tuple[str, ...] = ()

    def is_accepting_signatures(self, now: datetime | None = None) -> bool:
        return accepts_signatures(self.status, self.opens_at, self.closes_at, now)


# Slug -> PetitionRef, per process, for COUNT_CACHE_SECONDS: the sign endpoint and the count
# poll are the hot paths, and a petition changes rarely (closing it shows within seconds).
_refs = MemoryCache()


def petition_ref(slug: str) -> PetitionRef:
    """The public petition `slug` as plain values, from the cache when fresh; 404 if none."""
    ttl = float(current_app.config.get("COUNT_CACHE_SECONDS", 5))
    ref = _refs.get(slug) if ttl > 0 else None
    if ref is None:
        row = db.session.execute(
            select(
                Petition.id, Petition.slug, Petition.title, Petition.language, Petition.status,
                Petition.opens_at, Petition.closes_at, Petition.update_message, Petition.goal,
                Petition.allowed_origins, Petition.protected_countries,
            ).where(Petition.slug == slug, Petition.status != PetitionStatus.DRAFT)
        ).one_or_none()  # fmt: skip
        if row is None:
            raise NotFoundError(_NOT_FOUND)
        ref = PetitionRef(
            id=row.id, slug=row.slug, title=row.title, language=row.language,
            status=row.status, opens_at=row.opens_at, closes_at=row.closes_at,
            update_message=row.update_message, goal=row.goal,
            allowed_origins=tuple(row.allowed_origins or ()),
            protected_countries=tuple(row.protected_countries or ()),
        )  # fmt: skip
        if ttl > 0:
            _refs.put(slug, ttl, ref)
    return ref


def public_count(slug: str) -> dict[str, int]:
    """{"signature_count", "goal"} of a public petition, for the count endpoint: no query
    at all while the caches are fresh, so polling the count costs what a health check does."""
    ref = petition_ref(slug)
    return {"signature_count": signature_count(ref.id), "goal": ref.goal}
