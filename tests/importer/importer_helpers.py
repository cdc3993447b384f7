"""Seed data and small queries shared by the importer tests."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import func
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.conversations.plans import PlanSync
from bot.organisations import add_school, add_user
from bot.scheduling import load_programmes
from bot.storage.db import Database
from flows.loader import shipped_flows

DATA = Path(__file__).parent.parent / "data"
SMALL = DATA / "cohort-small.csv"
SMALL_EN = DATA / "cohort-small-en.csv"
ZONE = ZoneInfo("Europe/Amsterdam")

SCHOOLS = {
    "PRO-DONGEN": "pro",
    "PRO-TILBURG": "pro",
    "PRO-WAALWIJK": "pro",
    "VSO-DE-HEY": "vso",
    "VSO-MIDDEN-BRABANT": "vso",
    "VSO-ODYSSEE": "vso",
}
REGION_COORDINATOR = "aandacht@regio-midden-brabant.example"
TILBURG_COORDINATOR = "trajectcoach@pro-tilburg.example"


def make_plans() -> PlanSync:
    return PlanSync(programmes=load_programmes(), flows=shipped_flows(), zone=ZONE)


async def seed(session: AsyncSession, now: datetime) -> None:
    """The six schools of the sample files in one region, with the two named coordinators.

    PRO-TILBURG's coordinator is its default, so rows without `begeleider` there get one.
    """
    for code, kind in SCHOOLS.items():
        await add_school(session, code, code.title(), kind, "Midden-Brabant", now)
    await add_user(
        session,
        REGION_COORDINATOR,
        "Aandacht",
        "coordinator",
        region_name="Midden-Brabant",
        now=now,
    )
    await add_user(
        session, TILBURG_COORDINATOR, "Trajectcoach", "coordinator", "PRO-TILBURG", now=now
    )


async def seed_database(database: Database, now: datetime) -> None:
    async with database.transaction() as session:
        await seed(session, now)


async def count(database: Database, model: type) -> int:
    async with database.session() as session:
        return (await session.exec(select(func.count()).select_from(model))).one()


class QuietWatchers:
    """The router's hooks, doing nothing: these tests look only at linking."""

    async def crisis(self, session, youth, text, now) -> bool:
        return False

    async def answers_stored(self, session, youth, conversation, now) -> None:
        return None

    async def handoff(self, session, youth, reason, text, now) -> None:
        return None

    async def youth_event(self, session, youth, kind, now) -> None:
        return None

    async def coordinator_update(self, session, staff, event, now) -> None:
        return None


class StartLink:
    """Sends `/start TOKEN` through the real inbound router; returns the replies, joined."""

    def __init__(self, database: Database, clock) -> None:
        from bot.conversations.commands import Commands
        from bot.conversations.router import InboundRouter
        from bot.conversations.runner import FlowRunner

        plans = make_plans()
        runner = FlowRunner(plans.flows, ZONE)
        watchers = QuietWatchers()
        self.database = database
        self.router = InboundRouter(
            database, clock, runner, Commands(runner, plans, watchers), watchers
        )
        self.update_id = 5000

    async def __call__(self, chat_id: int, link: str) -> str:
        from bot.channels.base import IncomingEvent
        from bot.models import OutboxMessage

        token = link.rsplit("start=", 1)[1]
        async with self.database.session() as session:
            before = (await session.exec(select(func.max(OutboxMessage.id)))).one() or 0
        self.update_id += 1
        await self.router.handle(
            IncomingEvent(
                channel="test",
                update_id=self.update_id,
                chat_id=chat_id,
                user_id=chat_id,
                kind="command",
                command="start",
                args=(token,),
            )
        )
        async with self.database.session() as session:
            rows = (
                await session.exec(
                    select(OutboxMessage)
                    .where(OutboxMessage.chat_id == chat_id, OutboxMessage.id > before)
                    .order_by(OutboxMessage.id)
                )
            ).all()
        return "\n".join(row.payload["text"] for row in rows)
