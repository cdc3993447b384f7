"""Stored answers as the signal evaluator's `AnswerSet`s."""

from __future__ import annotations

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.models import Answer, Conversation
from bot.signals import Answer as SignalAnswer
from bot.signals import AnswerSet
from bot.signals.model import AnswerValue
from bot.signals.vocabulary import MULTI_CHOICE_ANSWERS, NUMBER_ANSWERS

CHECKIN_FLOW = "checkin"


def _value(key: str, raw: str) -> AnswerValue:
    """Answers are stored as text; give numbers and multiple choices their shape back."""
    if key in NUMBER_ANSWERS and raw.strip().lstrip("-").isdigit():
        return int(raw.strip())
    if key in MULTI_CHOICE_ANSWERS and "," in raw:
        return tuple(part.strip(" ()'\"") for part in raw.split(",") if part.strip(" ()'\""))
    return raw


async def answer_set(session: AsyncSession, conversation_id: int) -> AnswerSet | None:
    rows = (
        await session.exec(select(Answer).where(Answer.conversation_id == conversation_id))
    ).all()
    if not rows:
        return None
    return AnswerSet(
        str(conversation_id),
        {r.key: SignalAnswer(r.key, _value(r.key, r.value), r.answered_at) for r in rows},
    )


async def previous_checkin(
    session: AsyncSession, youth_id: int, before_conversation_id: int | None
) -> AnswerSet | None:
    """The answers of the youth's last check-in before the given one (None: the very last)."""
    statement = select(Conversation.id).where(
        Conversation.youth_id == youth_id,
        Conversation.flow_id == CHECKIN_FLOW,
        col(Conversation.status) != "active",
    )
    if before_conversation_id is not None:
        statement = statement.where(col(Conversation.id) < before_conversation_id)
    ids = (await session.exec(statement.order_by(col(Conversation.id).desc()).limit(5))).all()
    for conversation_id in ids:
        found = await answer_set(session, conversation_id)  # type: ignore[arg-type]
        if found is not None:
            return found
    return None
