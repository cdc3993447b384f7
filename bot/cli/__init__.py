"""The `inbeeld` command line. Each sub-command lives in its own module and registers itself."""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Sequence

from bot import logs
from bot.cli import commands
from bot.config import load_settings_or_exit
from bot.privacy.crypto import configure_data_keys_or_exit


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="inbeeld",
        description="In Beeld: keeps school leavers in view with check-ins and coordinator alerts.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for register in commands.REGISTRY:
        register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logs.configure()
    if getattr(args, "needs_data_key", True):
        # Free text is encrypted at rest: every command that may read or write it needs the key.
        configure_data_keys_or_exit(load_settings_or_exit())
    try:
        result = args.handler(args)
        if asyncio.iscoroutine(result):
            result = asyncio.run(result)
    except KeyboardInterrupt:
        return 130
    return int(result or 0)


if __name__ == "__main__":
    sys.exit(main())
