"""`inbeeld import FILE [--dry-run] [--lang nl|en]`."""

from __future__ import annotations

import argparse
from pathlib import Path

from bot.cli.dbaccess import fail, open_database
from bot.clock import SystemClock
from bot.cohort.apply import ImportResult, import_cohort
from bot.conversations.plans import PlanSync
from bot.scheduling import load_programmes
from flows.loader import shipped_flows


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser(
        "import",
        help="import a cohort file (all-or-nothing; exit 1 when the file has errors)",
        description="Imports school leavers from a CSV file. A file with any error imports "
        "nothing and every error line is printed. --dry-run shows what would be created, "
        "updated and ignored, and saves nothing.",
    )
    parser.add_argument("file", metavar="FILE", type=Path)
    parser.add_argument("--dry-run", action="store_true", help="check and report, save nothing")
    parser.add_argument(
        "--lang", choices=["nl", "en"], default="nl", help="language of the report (default nl)"
    )
    parser.set_defaults(handler=_import)


async def _import(args: argparse.Namespace) -> int:
    try:
        data = args.file.read_bytes()
    except OSError as error:
        return fail(f"cannot read {args.file}: {error.strerror or error}")
    clock = SystemClock()
    async with open_database() as (settings, database):
        plans = PlanSync(programmes=load_programmes(), flows=shipped_flows(), zone=settings.zone)
        async with database.transaction() as session:
            result = await import_cohort(
                session, data, dry_run=args.dry_run, plans=plans, now=clock.now(), lang=args.lang
            )
    print_report(result)
    return 0 if result.ok else 1


def print_report(result: ImportResult) -> None:
    print(result.summary())
    for line in result.error_messages():
        print(line)
    for line in result.warning_messages():
        print(line)
    for line in result.change_lines():
        print(line)
    for line in result.participation_notes():
        print(line)
