"""Moving a youth to another programme: only the future changes."""

from __future__ import annotations

from datetime import datetime

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.conversations.plans import PlanSync
from bot.models import Youth


class UnknownProgramme(ValueError):
    """The programme id is not one of the loaded programme files."""


async def change_programme(
    session: AsyncSession,
    youth: Youth,
    programme_id: str | None,
    plans: PlanSync,
    now: datetime,
) -> None:
    """Give `youth` its own programme (None: follow the school's again) and replan.

    Sent, skipped and past contacts stay as they are; future contacts follow the new programme
    (`bot.scheduling.replan`). Raises `UnknownProgramme` with the valid ids for a wrong id.
    """
    if programme_id is not None and programme_id not in plans.programmes:
        known = ", ".join(sorted(plans.programmes))
        raise UnknownProgramme(f"unknown programme {programme_id!r}; choose one of: {known}")
    youth.programme_id = programme_id
    youth.updated_at = now
    session.add(youth)
    await plans.sync(session, youth, now)
