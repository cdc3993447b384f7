"""`inbeeld db upgrade|current`."""

from __future__ import annotations

import argparse

from bot.config import load_settings_or_exit
from bot.storage import migrate
from bot.storage.db import Database


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("db", help="database migrations")
    actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    upgrade = actions.add_parser("upgrade", help="apply pending migrations")
    upgrade.set_defaults(handler=_upgrade)
    current = actions.add_parser("current", help="print the schema revision")
    current.set_defaults(handler=_current)


async def _upgrade(_args: argparse.Namespace) -> int:
    settings = load_settings_or_exit()
    database = Database(settings.database_url)
    try:
        await migrate.upgrade(database)
        print(f"database at revision {await migrate.current_revision(database)}")
    finally:
        await database.dispose()
    return 0


async def _current(_args: argparse.Namespace) -> int:
    settings = load_settings_or_exit()
    database = Database(settings.database_url)
    try:
        revision = await migrate.current_revision(database)
        head = migrate.head_revision()
        state = "up to date" if revision == head else f"behind (head is {head})"
        print(f"{revision or 'empty'}: {state}")
    finally:
        await database.dispose()
    return 0
