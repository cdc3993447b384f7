"""Moving a test database to one Alembic revision, up or down, to test a migration's data."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from alembic import command
from sqlalchemy import text

from bot.storage import migrate
from bot.storage.db import Database


async def migrate_to(database: Database, revision: str, *, down: bool = False) -> None:
    config = migrate.alembic_config(database.url)

    def run(connection) -> None:  # type: ignore[no-untyped-def]
        config.attributes["connection"] = connection
        (command.downgrade if down else command.upgrade)(config, revision)

    async with database.engine.begin() as connection:
        await connection.run_sync(run)


async def rows_at(database: Database, revision: str, rows: Sequence[str], now: datetime) -> None:
    """Move the database to `revision` and insert `rows` (SQL with a `:now` parameter) there,
    as data written before a later migration."""
    await migrate_to(database, revision)
    async with database.engine.begin() as connection:
        for statement in rows:
            await connection.execute(text(statement), {"now": now})
