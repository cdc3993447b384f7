"""What the conversation layer needs to replan a youth: programmes, flows, the time zone."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, tzinfo

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.models import Youth
from bot.outreach.plans import sync_plan
from bot.scheduling import Programme
from flows.model import Flow


@dataclass(frozen=True)
class PlanSync:
    programmes: Mapping[str, Programme]
    flows: Mapping[str, Flow]
    zone: tzinfo

    async def sync(
        self, session: AsyncSession, youth: Youth, now: datetime, *, just_joined: bool = False
    ) -> None:
        """`just_joined`: the youth said yes in the onboarding; a check-in whose moment passed
        but is still worth sending comes now instead of months later."""
        await session.flush()  # consent events just added must count in the new plan
        await sync_plan(session, youth, self.programmes, now, catch_up_first_checkin=just_joined)
