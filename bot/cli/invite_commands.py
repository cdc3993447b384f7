"""`inbeeld invites [--school CODE] --format csv|pdf --output FILE`."""

from __future__ import annotations

import argparse
import asyncio
from pathlib import Path

from sqlalchemy import func
from sqlmodel import select

from bot.cli.dbaccess import fail, open_database
from bot.clock import SystemClock
from bot.invites import render_cards_csv, render_cards_pdf
from bot.invites.issue import invitation_cards, issue_invitations
from bot.models import School


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser(
        "invites",
        help="issue NEW invitation links and write printable cards (revokes earlier links)",
        description="Issues a new invitation link (valid 90 days) for every youth who has not "
        "linked Telegram yet, of one school or of all schools, and writes the cards. Every "
        "earlier unused link of those youths stops working: hand out only the new cards.",
    )
    parser.add_argument("--school", metavar="CODE", help="only this school (default: all)")
    parser.add_argument("--format", required=True, choices=["csv", "pdf"])
    parser.add_argument("--output", required=True, metavar="FILE", type=Path)
    parser.set_defaults(handler=_invites)


async def _invites(args: argparse.Namespace) -> int:
    clock = SystemClock()
    output: Path = args.output
    if not output.parent.is_dir():
        return fail(f"cannot write {output}: folder {output.parent} does not exist")
    async with open_database() as (settings, database), database.transaction() as session:
        school_id = None
        if args.school:
            school_id = (
                await session.exec(
                    select(School.id).where(func.lower(School.code) == args.school.lower())
                )
            ).first()
            if school_id is None:
                return fail(f"no school with code {args.school!r}")
        now = clock.now()
        issued = await issue_invitations(
            session, now=now, bot_username=settings.bot_username, school_id=school_id
        )
        cards = await invitation_cards(session, issued, now)
        content = render_cards_pdf(cards) if args.format == "pdf" else render_cards_csv(cards)
        # Written before the commit: if writing fails, the old links keep working.
        await asyncio.to_thread(output.write_bytes, content)
    print(f"{len(cards)} invitations written to {output}")
    return 0
