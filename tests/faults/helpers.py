"""Shared pieces of the fault tests: a consenting cohort, a wave of outbox rows, the tally.

Every outbox row carries a unique text (`wave <row id>`), so what the emulator shows per chat can
be traced back to rows: delivered once, twice, or never.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import func, insert
from sqlmodel import col, select

from bot.channels.base import OutgoingMessage
from bot.delivery import PRIORITY_ROUTINE, Dispatcher, Status
from bot.emulator import EmulatorControl
from bot.models import ConsentEvent, OutboxMessage, Region, School, Youth
from bot.storage.db import Database

CHAT_BASE = 900_000


async def consenting_youths(database: Database, now: datetime, count: int) -> list[tuple[int, int]]:
    """`count` youths with check-in consent; returns (youth id, chat id) pairs."""
    async with database.transaction() as session:
        region = Region(name="Fault-regio")
        session.add(region)
        await session.flush()
        school = School(code="FAULT", name="Foutschool", type="pro", region_id=region.id)
        session.add(school)
        await session.flush()
        youths = [
            Youth(
                school_id=school.id,
                student_number=f"F{i:05d}",
                first_name="Test",
                date_of_birth=date(2008, 1, 1),
                leaving_date=date(2026, 7, 1),
                profile="arbeid",
                municipality="Tilburg",
                telegram_user_id=CHAT_BASE + i,
                telegram_chat_id=CHAT_BASE + i,
                created_at=now,
                updated_at=now,
            )
            for i in range(count)
        ]
        session.add_all(youths)
        await session.flush()
        session.add_all(
            ConsentEvent(
                youth_id=y.id,
                purpose="checkins",
                action="granted",
                given_by="youth",
                text_version="v1",
                text_sha256="0" * 64,
                channel="telegram",
                recorded_at=now - timedelta(days=1),
            )
            for y in youths
        )
    return [(y.id, y.telegram_chat_id) for y in youths]  # type: ignore[misc]


async def wave(
    database: Database, now: datetime, youths: list[tuple[int, int]], per_youth: int
) -> int:
    """`per_youth` consent-checked routine messages for every youth, in one bulk insert."""
    rows = [
        {
            "chat_id": chat,
            "youth_id": youth,
            "priority": PRIORITY_ROUTINE,
            "payload": OutgoingMessage(chat_id=chat, text="wave").to_payload(),
            "status": Status.PENDING,
            "not_before": now,
            "requires_consent": True,
            "automated": False,
            "created_at": now,
            "attempts": 0,
        }
        for _ in range(per_youth)
        for youth, chat in youths
    ]
    async with database.transaction() as session:
        await session.exec(insert(OutboxMessage), params=rows)
    # The texts name the row ids, which exist only now.
    async with database.transaction() as session:
        for row in (await session.exec(select(OutboxMessage))).all():
            row.payload = OutgoingMessage(chat_id=row.chat_id, text=f"wave {row.id}").to_payload()
            session.add(row)
    return len(rows)


@dataclass
class Tally:
    """Outbox rows against what the phones show."""

    rows: int = 0
    delivered_once: int = 0
    duplicates: int = 0  # extra copies shown (a row shown 3 times counts 2)
    lost: list[int] = field(default_factory=list)  # never shown, not marked uncertain
    uncertain: int = 0  # rows marked uncertain (delivered or not)
    uncertain_not_shown: int = 0  # marked uncertain and indeed never shown: a known, flagged gap
    unfinished: int = 0  # still pending/claimed/sending/checking: the run is not over
    status: Counter[str] = field(default_factory=Counter)
    out_of_order_chats: int = 0


async def tally(database: Database, control: EmulatorControl, chats: list[int]) -> Tally:
    shown: Counter[str] = Counter()
    out_of_order = 0
    for chat in chats:
        ids = [int(m["text"].split()[1]) for m in control.bot_messages(chat)]
        shown.update(str(i) for i in ids)
        first_seen = list(dict.fromkeys(ids))
        if first_seen != sorted(first_seen):
            out_of_order += 1
    async with database.session() as session:
        rows = (await session.exec(select(OutboxMessage.id, OutboxMessage.status))).all()
    result = Tally(rows=len(rows), out_of_order_chats=out_of_order)
    for row_id, status in rows:
        result.status[status] += 1
        copies = shown[str(row_id)]
        if copies >= 1:
            result.delivered_once += 1
            result.duplicates += copies - 1
        if status == Status.UNCERTAIN:
            result.uncertain += 1
            if copies == 0:
                result.uncertain_not_shown += 1
        elif status in (Status.PENDING, Status.CLAIMED, Status.SENDING, Status.CHECKING):
            result.unfinished += 1
        elif copies == 0:
            result.lost.append(row_id)
    return result


async def drain_until_settled(
    dispatcher: Dispatcher, database: Database, limit: float = 120.0
) -> None:
    """`drain()` sends what is due now; retries wait for their `not_before`: keep going."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + limit
    while True:
        await dispatcher.drain()
        async with database.session() as session:
            upcoming = (
                await session.exec(
                    select(func.min(OutboxMessage.not_before)).where(
                        col(OutboxMessage.status).in_(
                            [Status.PENDING, Status.CLAIMED, Status.SENDING, Status.CHECKING]
                        )
                    )
                )
            ).one()
        if upcoming is None:
            return
        if loop.time() > deadline:
            raise AssertionError("the outbox did not settle in time")
        wait = (upcoming - datetime.now(UTC)).total_seconds()
        await asyncio.sleep(min(max(wait, 0.0) + 0.05, 5.0))
