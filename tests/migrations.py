"""Moving a test database to one Alembic revision, up or down, to test a migration's data."""

from __future__ import annotations

from alembic import command

from bot.storage import migrate
from bot.storage.db import Database


async def migrate_to(database: Database, revision: str, *, down: bool = False) -> None:
    config = migrate.alembic_config(database.url)

    def run(connection) -> None:  # type: ignore[no-untyped-def]
        config.attributes["connection"] = connection
        (command.downgrade if down else command.upgrade)(config, revision)

    async with database.engine.begin() as connection:
        await connection.run_sync(run)
