"""`inbeeld schedule YOUTH` (a youth's plan) and `inbeeld schedule --due` (what is due now)."""

from __future__ import annotations

import argparse
import sys
from datetime import datetime, tzinfo
from typing import TextIO

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.clock import SystemClock
from bot.config import load_settings_or_exit
from bot.i18n import format_day_with_year, format_time_local
from bot.models import ScheduledContact, School, Youth
from bot.storage.db import Database

LANG = "nl"


class YouthNotFound(LookupError):
    pass


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("schedule", help="show a youth's planned contacts, or what is due")
    parser.add_argument(
        "youth",
        nargs="?",
        help="the youth: its id, or SCHOOLCODE:leerlingnummer (e.g. PRO-TLB:1001)",
    )
    parser.add_argument("--due", action="store_true", help="list every contact due now")
    parser.set_defaults(handler=_schedule)


async def _schedule(args: argparse.Namespace) -> int:
    if bool(args.youth) == bool(args.due):
        print("inbeeld schedule: give a youth, or --due", file=sys.stderr)
        return 2
    settings = load_settings_or_exit()
    database = Database(settings.database_url)
    now = SystemClock().now()
    try:
        if args.due:
            return await print_due(database, now, zone=settings.zone)
        return await print_schedule(database, args.youth, zone=settings.zone)
    finally:
        await database.dispose()


def _when(moment: datetime | None, zone: tzinfo) -> str:
    if moment is None:
        return ""
    return f"{format_day_with_year(moment, LANG, zone)} {format_time_local(moment, LANG, zone)}"


async def find_youth(session: AsyncSession, ident: str) -> Youth:
    """By id ("42") or by school code and student number ("PRO-TLB:1001")."""
    ident = ident.strip()
    if ident.isdigit():
        youth = await session.get(Youth, int(ident))
    elif ":" in ident:
        code, _, number = ident.rpartition(":")
        youth = (
            await session.exec(
                select(Youth)
                .join(School, col(School.id) == col(Youth.school_id))
                .where(School.code == code.strip(), Youth.student_number == number.strip())
            )
        ).first()
    else:
        raise YouthNotFound(
            f"{ident!r} is not a youth id or SCHOOLCODE:leerlingnummer (e.g. PRO-TLB:1001)"
        )
    if youth is None:
        raise YouthNotFound(f"no youth {ident!r}")
    return youth


async def print_schedule(
    database: Database, ident: str, *, zone: tzinfo, out: TextIO | None = None
) -> int:
    """Every contact of one youth, past and future, in local time. 1 if the youth is unknown."""
    out = out or sys.stdout
    async with database.session() as session:
        try:
            youth = await find_youth(session, ident)
        except YouthNotFound as exc:
            print(f"inbeeld schedule: {exc}", file=sys.stderr)
            return 1
        school = await session.get(School, youth.school_id)
        rows = (
            await session.exec(
                select(ScheduledContact)
                .where(ScheduledContact.youth_id == youth.id)
                .order_by(col(ScheduledContact.due_at), col(ScheduledContact.key))
            )
        ).all()
    code = school.code if school else "?"
    programme = youth.programme_id or (school.programme_id if school else None) or "standaard"
    print(
        f"{youth.first_name} (id {youth.id}, {code}:{youth.student_number}), "
        f"programma {programme}, "
        f"van school {format_day_with_year(youth.leaving_date, LANG, zone)}",
        file=out,
    )
    if not rows:
        print("geen contacten gepland", file=out)
        return 0
    table = [("wanneer", "soort", "label", "status", "afgehandeld", "reden")]
    table += [
        (
            _when(row.due_at, zone),
            row.kind,
            row.label,
            row.status,
            _when(row.handled_at, zone),
            row.reason or "",
        )
        for row in rows
    ]
    _print_table(table, out)
    return 0


async def print_due(
    database: Database, now: datetime, *, zone: tzinfo, out: TextIO | None = None
) -> int:
    """Every planned contact due at `now` (what the next tick acts on or keeps waiting)."""
    out = out or sys.stdout
    async with database.session() as session:
        rows = (
            await session.exec(
                select(ScheduledContact, Youth.student_number, School.code)
                .join(Youth, col(Youth.id) == col(ScheduledContact.youth_id))
                .join(School, col(School.id) == col(Youth.school_id))
                .where(ScheduledContact.status == "planned", col(ScheduledContact.due_at) <= now)
                .order_by(col(ScheduledContact.due_at), col(ScheduledContact.youth_id))
            )
        ).all()
    if not rows:
        print("niets te doen", file=out)
        return 0
    table = [("wanneer", "jongere", "soort", "label")]
    table += [
        (_when(row.due_at, zone), f"{row.youth_id} ({code}:{number})", row.kind, row.label)
        for row, number, code in rows
    ]
    _print_table(table, out)
    print(f"{len(rows)} contact(en) klaar", file=out)
    return 0


def _print_table(table: list[tuple[str, ...]], out: TextIO) -> None:
    widths = [max(len(line[i]) for line in table) for i in range(len(table[0]))]
    for line in table:
        print(
            "  ".join(cell.ljust(width) for cell, width in zip(line, widths, strict=True)).rstrip(),
            file=out,
        )
