"""Opening the configured database for one CLI command."""

from __future__ import annotations

import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from bot.config import Settings, load_settings_or_exit
from bot.storage.db import Database


@asynccontextmanager
async def open_database() -> AsyncIterator[tuple[Settings, Database]]:
    settings = load_settings_or_exit()
    database = Database(settings.database_url)
    try:
        yield settings, database
    finally:
        await database.dispose()


def fail(message: str, status: int = 2) -> int:
    """Print a one-line problem for the person at the terminal and return the exit status."""
    print(f"inbeeld: {message}", file=sys.stderr)
    return status
