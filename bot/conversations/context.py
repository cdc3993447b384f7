"""The values a flow may use: placeholders for its texts and facts for its branches."""

from __future__ import annotations

from datetime import datetime, tzinfo
from typing import Any

from sqlalchemy import bindparam, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.i18n import Y_, gettext
from bot.models import Conversation, School, StaffUser, Youth
from bot.scheduling import days_until_birthday, months_since_leaving
from bot.scheduling.calendar import age_on

FALLBACK_COORDINATOR = Y_("je begeleider")


async def flow_context(
    session: AsyncSession, youth: Youth, now: datetime, zone: tzinfo
) -> dict[str, Any]:
    today = now.astimezone(zone).date()
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


def _facts_statement() -> Any:
    school = School.__table__
    staff = StaffUser.__table__
    conversation = Conversation.__table__
    return select(
        select(school.c.name)
        .where(school.c.id == bindparam("school_id"))
        .scalar_subquery()
        .label("school_name"),
        select(school.c.contact_name)
        .where(school.c.id == bindparam("school_id"))
        .scalar_subquery()
        .label("school_contact"),
        select(staff.c.name)
        .where(staff.c.id == bindparam("coordinator_id"))
        .scalar_subquery()
        .label("coordinator"),
        select(func.count())
        .select_from(conversation)
        .where(
            conversation.c.youth_id == bindparam("youth_id"), conversation.c.flow_id == "checkin"
        )
        .scalar_subquery()
        .label("checkins"),
    )


# Built once (see bot.storage.dialects): school, coordinator and number of check-ins in one
# round trip, because this runs for every answer.
FACTS = _facts_statement()


async def _facts(session: AsyncSession, youth: Youth) -> Any:
    params = {
        "school_id": youth.school_id,
        "coordinator_id": youth.coordinator_id,
        "youth_id": youth.id,
    }
    return (await session.exec(FACTS, params=params)).one()  # type: ignore[call-overload]
