"""The values a flow may use: placeholders for its texts and facts for its branches."""

from __future__ import annotations

from datetime import datetime, tzinfo
from typing import Any

from sqlalchemy import func
from sqlmodel import select
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
    school = await session.get(School, youth.school_id)
    coordinator = (
        await session.get(StaffUser, youth.coordinator_id) if youth.coordinator_id else None
    )
    checkins = (
        await session.exec(
            select(func.count())
            .select_from(Conversation)
            .where(Conversation.youth_id == youth.id, Conversation.flow_id == "checkin")
        )
    ).one()
    age = age_on(youth.date_of_birth, today)
    context: dict[str, Any] = {
        "first_name": youth.first_name,
        "coordinator": coordinator.name
        if coordinator
        else gettext(FALLBACK_COORDINATOR, youth.language),
        "school": school.name if school else "",
        "school_contact": (school.contact_name or school.name) if school else "",
        "language": youth.language,
        "age": age,
        "month_since_leaving": months_since_leaving(youth.leaving_date, today),
        "checkin_number": checkins + 1,
    }
    if age < 21:
        context["turns_21_within_days"] = days_until_birthday(youth.date_of_birth, 21, on=today)
    return context
