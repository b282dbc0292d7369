"""Statements on the sign path, compiled once per dialect and run on the DBAPI cursor.

SQLAlchemy caches a statement's compiled SQL, but each execution still builds an execution
context, looks the statement up in the cache, processes its parameters through several layers
and wraps the cursor in a result. The two statements every signature runs (its row and its
confirmation mail) took 30 % of a signature's samples in one process that way, and take 14 % on
the cursor (py-spy; BENCHMARKS.md, *Intake*). A `PreparedStatement` keeps what matters of
SQLAlchemy, its SQL for the dialect and the bind processor of each parameter's type (so every
value is stored exactly as Core would store it), and executes on the cursor of the SQLAlchemy
connection it is given, inside that connection's transaction. A database error comes out as
SQLAlchemy's exception, and a lost connection is invalidated, as Core would do.

Only for statements that run on every request of a hot path: everything else goes through the
session like any other code.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection
from sqlalchemy.engine import Dialect
from sqlalchemy.engine.default import DefaultDialect
from sqlalchemy.exc import DBAPIError
from sqlalchemy.sql.expression import Executable


@dataclass(frozen=True)
class _Compiled:
    sql: str
    processors: tuple[tuple[str, Callable[[Any], Any] | None], ...]


class PreparedStatement:
    """A Core statement whose parameters are all named `bindparam`s, every one given at
    each execution (column defaults are not applied: pass every value)."""

    def __init__(self, statement: Executable) -> None:
        self._statement = statement
        self._by_dialect: dict[str, _Compiled] = {}

    def _compiled(self, dialect: Dialect) -> _Compiled:
        compiled = self._by_dialect.get(dialect.name)
        if compiled is None:
            # Named parameters, so a dict of values serves any statement: pysqlite takes
            # `:name` (its dialect defaults to `?`), psycopg `%(name)s` (its default).
            named = dialect
            if dialect.name == "sqlite" and isinstance(dialect, DefaultDialect):
                named = type(dialect)(paramstyle="named")
            sql_compiler = self._statement.compile(dialect=named)  # type: ignore[attr-defined]
            processors = tuple(
                (name, bind.type.dialect_impl(dialect).bind_processor(dialect))
                for name, bind in sql_compiler.binds.items()
            )
            compiled = _Compiled(str(sql_compiler), processors)
            self._by_dialect[dialect.name] = compiled
        return compiled

    def rows(self, connection: Connection, parameters: Mapping[str, Any]) -> list[tuple[Any, ...]]:
        """Execute with `parameters` (one value per bind name) in `connection`'s transaction;
        the rows it returns (RETURNING), or []."""
        dialect = connection.dialect
        compiled = self._compiled(dialect)
        values = {
            name: processor(parameters[name]) if processor else parameters[name]
            for name, processor in compiled.processors
        }
        pooled = connection.connection
        cursor = pooled.cursor()
        try:
            cursor.execute(compiled.sql, values)
            return list(cursor.fetchall()) if cursor.description else []
        except dialect.loaded_dbapi.Error as error:
            lost = dialect.is_disconnect(error, pooled.dbapi_connection, cursor)
            if lost:
                connection.invalidate(error)
            raise DBAPIError.instance(
                compiled.sql,
                values,
                error,
                dialect.loaded_dbapi.Error,
                connection_invalidated=lost,
                dialect=dialect,
            ) from error
        finally:
            cursor.close()

    def first_value(self, connection: Connection, parameters: Mapping[str, Any]) -> Any:
        """The first column of the first row returned, or None when there is none."""
        rows = self.rows(connection, parameters)
        return rows[0][0] if rows else None
