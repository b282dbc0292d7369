"""Column types shared by the models, and statements shared by the services."""

from __future__ import annotations

import enum
from datetime import UTC, datetime
from typing import Any, cast

from sqlalchemy import BigInteger, CursorResult, DateTime, Dialect, Enum, Integer, Result, Table
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.sql.dml import ReturningInsert
from sqlalchemy.types import TypeDecorator

# SQLite only auto-increments an INTEGER PRIMARY KEY; PostgreSQL gets 64-bit keys
# for the tables that can grow past two billion rows over a service's lifetime.
BigIntPK = BigInteger().with_variant(Integer(), "sqlite")


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes on every backend.

    SQLite has no time zones and hands back naive values; PostgreSQL hands back
    aware ones. Normalising here means no comparison in the services can mix the two.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(
                "naive datetime given to a UTC column; use petition_service.types.utcnow()"
            )
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def str_enum(enum_class: type[enum.Enum], name: str) -> Enum:
    """A portable enum column: VARCHAR plus a CHECK constraint, stored by value."""
    return Enum(
        enum_class,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=16,
        values_callable=lambda members: [member.value for member in members],
        validate_strings=True,
    )


def affected_rows(result: Result[Any]) -> int:
    """Rows an UPDATE or DELETE matched. `Session.execute` types its result as a plain
    `Result`, but for these statements it is always a `CursorResult`, which counts them."""
    return cast("CursorResult[Any]", result).rowcount


def inserts_skipping_conflicts(
    table: Table, unique: list[str]
) -> dict[str, ReturningInsert[tuple[int]]]:
    """Per dialect name, an INSERT into ``table`` that skips a row whose ``unique`` columns
    are taken (ON CONFLICT DO NOTHING) and returns the id of a row it inserts. Built once,
    at import, by the services that run it per row: no statement is constructed per call
    (SQLAlchemy caches the compiled form)."""
    return {
        dialect: insert(table).on_conflict_do_nothing(index_elements=unique).returning(table.c.id)
        for dialect, insert in (("postgresql", postgresql_insert), ("sqlite", sqlite_insert))
    }
