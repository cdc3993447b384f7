"""Statements that differ per database, built once.

SQLAlchemy caches compiled SQL by a key it derives from the statement object, and deriving
that key for an upsert or a select with subqueries costs more CPU than running it on SQLite.
A statement built once with bound parameters keeps its key, so code that runs per answer
builds its statements at import time (one per dialect where the SQL differs) and passes the
values at execution.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Generic, TypeVar

from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel.ext.asyncio.session import AsyncSession

DIALECTS = ("sqlite", "postgresql")
Statement = TypeVar("Statement")


def dialect_of(session: AsyncSession) -> str:
    return session.bind.dialect.name if session.bind is not None else "sqlite"


def insert_for(dialect: str) -> Callable[..., Any]:
    """The dialect's INSERT, which has `on_conflict_do_nothing/update` (both speak it)."""
    return postgresql.insert if dialect == "postgresql" else sqlite.insert


class PerDialect(Generic[Statement]):
    """One prebuilt statement per dialect: `build(insert)` gets that dialect's INSERT."""

    def __init__(self, build: Callable[[Callable[..., Any]], Statement]) -> None:
        self._statements = {dialect: build(insert_for(dialect)) for dialect in DIALECTS}

    def __call__(self, session: AsyncSession) -> Statement:
        return self._statements[dialect_of(session)]
