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
