"""What the conversation layer tells the rest of the service: signals, crisis, handoff.

The router calls these inside the update's transaction, so an alert is queued together with the
answer that caused it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.channels.base import IncomingEvent
from bot.models import Conversation, StaffUser, Youth


class Watchers(Protocol):
    async def crisis(self, session: AsyncSession, youth: Youth, text: str, now: datetime) -> bool:
        """Check free text for crisis language; on a hit, reply and alert at once. True if hit."""
        ...

    async def answers_stored(
        self, session: AsyncSession, youth: Youth, conversation: Conversation, now: datetime
    ) -> None:
        """A conversation finished or expired: evaluate the signal rules over its answers."""
        ...

    async def handoff(
        self, session: AsyncSession, youth: Youth, reason: str, text: str | None, now: datetime
    ) -> None:
        """The youth wants a person (asked, a question, a message outside a check-in)."""
        ...

    async def youth_event(
        self, session: AsyncSession, youth: Youth, kind: str, now: datetime
    ) -> None:
        """Something happened that may be a signal on its own (blocked, erasure requested)."""
        ...

    async def coordinator_task(
        self, session: AsyncSession, youth: Youth, note: str, now: datetime
    ) -> None:
        """Something for the youth's coordinator to do (a planned task, a re-offer to make in
        person). `note` is short Dutch staff text without answers or message texts."""
        ...

    async def coordinator_update(
        self, session: AsyncSession, staff: StaffUser, event: IncomingEvent, now: datetime
    ) -> None:
        """A message or button from a coordinator's linked chat (alerts, relay replies)."""
        ...
