"""Column types shared by all tables."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Column, DateTime, insert_sentinel
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator


class UTCDateTime(TypeDecorator[datetime]):
    """Stores aware datetimes as UTC; SQLite drops tzinfo, so it is re-attached on read."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column; use the injected clock")
        value = value.astimezone(UTC)
        if dialect.name == "sqlite":
            return value.replace(tzinfo=None)
        return value

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def batch_insert_sentinel() -> Column[int]:
    """A column that lets one INSERT ... RETURNING write many new rows of a table on SQLite.

    SQLite does not promise that RETURNING gives rows back in the order of VALUES, so without a
    sentinel SQLAlchemy inserts rows whose ids it needs one statement at a time. With it, the
    rows of a flush go in one statement (numbered 0, 1, ... in this column) and their ids are
    matched back by that number. Kept out of the models' fields: nothing reads it.
    """
    return insert_sentinel("insert_sentinel")
