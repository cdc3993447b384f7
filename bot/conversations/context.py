"""The values a flow may use: placeholders for its texts and facts for its branches."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, tzinfo
from typing import Any

from sqlalchemy import Row, bindparam, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.i18n import Y_, gettext
from bot.models import Conversation, School, StaffUser, Youth
from bot.scheduling import days_until_birthday, months_since_leaving
from bot.scheduling.calendar import age_on

FALLBACK_COORDINATOR = Y_("je begeleider")


async def flow_context(
    session: AsyncSession,
    youth: Youth,
    now: datetime,
    zone: tzinfo,
    facts: Facts | None = None,
) -> dict[str, Any]:
    """`facts`: this youth's row of `facts_of_youths`, when the caller fetched it already."""
    today = now.astimezone(zone).date()
    row = facts
    if row is None:
        with session.no_autoflush:  # pending rows (a chat message, a state) change none of these
            row = await _facts(session, youth)
    checkins = row.checkins or 0
    age = age_on(youth.date_of_birth, today)
    context: dict[str, Any] = {
        "first_name": youth.first_name,
        "coordinator": row.coordinator
        if row.coordinator is not None
        else gettext(FALLBACK_COORDINATOR, youth.language),
        "school": row.school_name or "",
        "school_contact": (row.school_contact or row.school_name or ""),
        "language": youth.language,
        "age": age,
        "month_since_leaving": months_since_leaving(youth.leaving_date, today),
        "checkin_number": checkins + 1,
    }
    if age < 21:
        context["turns_21_within_days"] = days_until_birthday(youth.date_of_birth, 21, on=today)
    return context


def _facts_columns(school_id: Any, coordinator_id: Any, youth_id: Any) -> list[Any]:
    school = School.__table__
    staff = StaffUser.__table__
    conversation = Conversation.__table__
    return [
        select(school.c.name)
        .where(school.c.id == school_id)
        .scalar_subquery()
        .label("school_name"),
        select(school.c.contact_name)
        .where(school.c.id == school_id)
        .scalar_subquery()
        .label("school_contact"),
        select(staff.c.name)
        .where(staff.c.id == coordinator_id)
        .scalar_subquery()
        .label("coordinator"),
        select(func.count())
        .select_from(conversation)
        .where(conversation.c.youth_id == youth_id, conversation.c.flow_id == "checkin")
        .scalar_subquery()
        .label("checkins"),
    ]


# Built once (see bot.storage.dialects): school, coordinator and number of check-ins in one
# round trip, because this runs for every answer. FACTS takes the youth as it is in memory
# (a change not yet flushed counts); FACTS_OF_YOUTHS reads stored youths, any number at once.
FACTS = select(
    *_facts_columns(bindparam("school_id"), bindparam("coordinator_id"), bindparam("youth_id"))
)
_youth = Youth.__table__
FACTS_OF_YOUTHS = select(
    _youth.c.id.label("youth_id"),
    *_facts_columns(_youth.c.school_id, _youth.c.coordinator_id, _youth.c.id),
).where(_youth.c.id.in_(bindparam("youth_ids", expanding=True)))
Facts = Row[Any]


async def _facts(session: AsyncSession, youth: Youth) -> Facts:
    params = {
        "school_id": youth.school_id,
        "coordinator_id": youth.coordinator_id,
        "youth_id": youth.id,
    }
    return (await session.exec(FACTS, params=params)).one()  # type: ignore[call-overload]


async def facts_of_youths(session: AsyncSession, youth_ids: Sequence[int]) -> dict[int, Facts]:
    """Youth id -> the facts their flows use, as stored, for every id that exists."""
    result = await session.exec(FACTS_OF_YOUTHS, params={"youth_ids": list(youth_ids)})  # type: ignore[call-overload]
    return {row.youth_id: row for row in result.all()}
