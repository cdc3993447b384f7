"""A batch of updates (one or more) looks up its youths, their open conversations and their
flow facts in three statements, instead of three per update.

A prefetched value stands for what the update's own lookup would have found, read a moment
earlier in the same transaction. That holds for a user's first update in the batch as long as
no update before it could have changed it. An answer, a message or a button from a youth
changes only that youth's rows; anything else (a command such as /start, which can link a
user to a youth; a coordinator's message or button, which acts on a youth's rows) ends the use
of prefetched values for the rest of the batch.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import bindparam
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.channels.base import IncomingEvent
from bot.conversations.context import Facts, facts_of_youths
from bot.conversations.runner import FlowRunner
from bot.models import Conversation, Youth

# Built once: see bot.storage.dialects.
YOUTHS_BY_USERS = select(Youth).where(
    col(Youth.telegram_user_id).in_(bindparam("user_ids", expanding=True))
)


@dataclass(frozen=True)
class Known:
    """What the lookups of one update would find. `youth` None: the user is no youth."""

    youth: Youth | None
    conversation: Conversation | None = None
    facts: Facts | None = None


class Prefetched:
    def __init__(self, known: dict[int, Known]) -> None:
        self._known = known

    @classmethod
    async def load(
        cls, session: AsyncSession, events: Sequence[IncomingEvent], runner: FlowRunner
    ) -> Prefetched:
        user_ids = list({event.user_id for event in events})
        if not user_ids:
            return cls({})
        youths = (await session.exec(YOUTHS_BY_USERS, params={"user_ids": user_ids})).all()  # type: ignore[call-overload]
        youth_ids = [youth.id for youth in youths if youth.id is not None]
        conversations: dict[int, Conversation] = {}
        facts: dict[int, Facts] = {}
        if youth_ids:  # a command from someone new, a coordinator's message: nothing more
            conversations = await runner.active_conversations(session, youth_ids)
            facts = await facts_of_youths(session, youth_ids)
        known = dict.fromkeys(user_ids, Known(None))
        for youth in youths:
            if youth.telegram_user_id is not None and youth.id is not None:
                known[youth.telegram_user_id] = Known(
                    youth, conversations.get(youth.id), facts.get(youth.id)
                )
        return cls(known)

    def take(self, user_id: int) -> Known | None:
        """The prefetched lookups for this user's first update; None: look up as usual."""
        return self._known.pop(user_id, None)

    def forget(self) -> None:
        """An update that may have changed other users' rows: look everything up from now."""
        self._known.clear()
