from __future__ import annotations

import pytest

from petition_service.extensions import db
from petition_service.petitions import service
from petition_service.petitions.service import count_cache
from tests.factories import make_petition, make_signature


def test_count_is_served_from_the_cache_until_it_expires(app, app_context):
    app.config["COUNT_CACHE_SECONDS"] = 60
    try:
        petition = make_petition()
        make_signature(petition)
        db.session.commit()
        assert service.signature_count(petition.id) == 1
        make_signature(petition)
        db.session.commit()
        assert service.signature_count(petition.id) == 1  # cached
        assert service.count_confirmed_signatures(petition.id) == 2
        count_cache.clear()
        assert service.signature_count(petition.id) == 2
    finally:
        app.config["COUNT_CACHE_SECONDS"] = 0


def test_list_open_petitions_leaves_out_drafts_closed_and_victories(app, app_context):
    from petition_service.models import PetitionStatus

    open_one = make_petition()
    for status in (PetitionStatus.DRAFT, PetitionStatus.CLOSED, PetitionStatus.VICTORY):
        make_petition(status=status)
    db.session.commit()
    assert [p.slug for p in service.list_open_petitions()] == [open_one.slug]


def test_with_redis_the_count_cache_is_shared_by_every_process(app, app_context, backend):
    if not app.config.get("REDIS_URL"):
        pytest.skip("the count cache is in Redis only in the scale-out run (TEST_REDIS_URL)")
    from petition_service.petitions.service import RedisCountCache

    app.config["COUNT_CACHE_SECONDS"] = 60
    try:
        petition = make_petition()
        make_signature(petition)
        db.session.commit()
        assert service.signature_count(petition.id) == 1
        # Another process (a fresh cache object on the same Redis) sees the cached value.
        other_process = RedisCountCache(app.config["REDIS_URL"])
        assert other_process.get(petition.id) == 1
    finally:
        app.config["COUNT_CACHE_SECONDS"] = 0
