"""Counting several rate-limit windows in one round trip, on every storage the app uses."""

from __future__ import annotations

import os
import time
import uuid

import pytest
from limits.storage import MemoryStorage, RedisStorage, storage_from_string

from petition_service.ratelimit_storage import SQLiteStorage, hit_all, refund_all

REDIS_URL = os.environ.get("TEST_REDIS_URL")


@pytest.fixture(params=["sqlite", "redis", "memory"])
def storage(request, tmp_path):
    if request.param == "sqlite":
        yield storage_from_string(f"sqlite:///{tmp_path}/limits.db")
    elif request.param == "redis":
        if not REDIS_URL:
            pytest.skip("TEST_REDIS_URL is not set: no Redis to count in")
        redis_storage = storage_from_string(REDIS_URL, key_prefix=f"test-{uuid.uuid4().hex}")
        assert isinstance(redis_storage, RedisStorage)
        yield redis_storage
        redis_storage.reset()
    else:
        yield MemoryStorage()


def test_the_sqlite_uri_gives_the_shared_file_storage(tmp_path):
    assert isinstance(storage_from_string(f"sqlite:///{tmp_path}/x.db"), SQLiteStorage)


def test_every_window_is_counted_and_reports_when_it_ends(storage):
    windows = [("client:10s", 10), ("client:5min", 300), ("petition:1min", 60)]
    before = time.time()
    first = hit_all(storage, windows)
    second = hit_all(storage, windows)
    assert [count for count, _ in first] == [1, 1, 1]
    assert [count for count, _ in second] == [2, 2, 2]
    for (_, expiry), (_, reset_at) in zip(windows, second, strict=True):
        # The window started at the first hit; the second hit does not extend it.
        assert before + expiry - 1 <= reset_at <= time.time() + expiry + 0.01


def test_windows_are_independent_keys(storage):
    hit_all(storage, [("a", 60), ("b", 60)])
    counts = hit_all(storage, [("b", 60), ("c", 60)])
    assert [count for count, _ in counts] == [2, 1]


def test_a_refund_takes_back_one_hit_from_each_window(storage):
    windows = [("x", 60), ("y", 60)]
    hit_all(storage, windows)
    hit_all(storage, windows)
    refund_all(storage, windows)
    assert [count for count, _ in hit_all(storage, windows)] == [2, 2]


def test_an_expired_window_starts_again(storage):
    hit_all(storage, [("short", 1), ("long", 60)])
    time.sleep(1.1)
    counts = hit_all(storage, [("short", 1), ("long", 60)])
    assert [count for count, _ in counts] == [1, 2]


def test_a_refund_after_the_window_ended_leaves_no_counter_behind(storage):
    """On Redis, a decrement of an expired key would create a counter that never expires
    and would hold the client's count below zero, then above the limit, for ever."""
    hit_all(storage, [("gone", 1)])
    time.sleep(1.1)
    refund_all(storage, [("gone", 1)])
    count, reset_at = hit_all(storage, [("gone", 1)])[0]
    # limits' memory storage (per process, so never the app's) gives the hit back anyway.
    assert count == (0 if isinstance(storage, MemoryStorage) else 1)
    assert reset_at <= time.time() + 1.01
    if isinstance(storage, RedisStorage):
        ttl = storage.get_connection().pttl(storage.prefixed_key("gone"))
        assert 0 < ttl <= 1000
