"""`inbeeld keys new|rotate`: the data keys that encrypt free text at rest."""

from __future__ import annotations

import argparse
import sys

from bot.config import load_settings_or_exit
from bot.privacy.crypto import DataKeyError, configure_data_keys, new_key
from bot.privacy.rotation import ROTATE_BATCH, rotate_keys
from bot.storage import migrate
from bot.storage.db import Database


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("keys", help="data keys for encryption at rest")
    actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    new = actions.add_parser("new", help="print a fresh key for INBEELD_DATA_KEY")
    new.set_defaults(handler=_new, needs_data_key=False)
    rotate = actions.add_parser(
        "rotate", help="re-encrypt every stored text with the first key of INBEELD_DATA_KEY"
    )
    rotate.add_argument(
        "--batch", type=int, default=ROTATE_BATCH, help="rows per transaction (default %(default)s)"
    )
    rotate.set_defaults(handler=_rotate, needs_data_key=False)


def _new(_args: argparse.Namespace) -> int:
    print(new_key())
    return 0


async def _rotate(args: argparse.Namespace) -> int:
    if args.batch < 1:
        print("inbeeld: --batch must be at least 1", file=sys.stderr)
        return 2
    settings = load_settings_or_exit()
    try:
        ring = configure_data_keys(settings)
    except DataKeyError as exc:
        print(f"inbeeld: configuration error: {exc}", file=sys.stderr)
        return 2
    database = Database(settings.database_url)
    try:
        if not await migrate.is_up_to_date(database):
            print(
                "inbeeld: the database is not up to date; run `inbeeld db upgrade` first",
                file=sys.stderr,
            )
            return 2
        try:
            report = await rotate_keys(database, ring, batch=args.batch)
        except DataKeyError as exc:
            print(f"inbeeld: {exc}", file=sys.stderr)
            return 1
    finally:
        await database.dispose()
    print(f"checked {report.checked} encrypted values, re-encrypted {report.rewritten}")
    if ring.size > 1:
        print(
            "every value now opens with the first key: the other keys can be removed "
            "from INBEELD_DATA_KEY"
        )
    return 0
