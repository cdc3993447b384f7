"""Runs flows for a youth: the engine decides, this module stores and queues the result."""

from __future__ import annotations

import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, tzinfo
from typing import Any

from sqlalchemy import bindparam
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.channels.base import Button
from bot.conversations.context import Facts, flow_context
from bot.conversations.outbound import reply
from bot.delivery.outbox import PRIORITY_REPLY, PRIORITY_ROUTINE
from bot.i18n import gettext
from bot.models import Answer, Conversation, Youth
from bot.storage.deferred import defer_write
from bot.storage.dialects import PerDialect
from flows import engine
from flows.engine import Step
from flows.events import Event
from flows.model import Flow
from flows.state import FlowState

# Built once: see bot.storage.dialects.
ACTIVE_CONVERSATIONS = (
    select(Conversation)
    .where(
        col(Conversation.youth_id).in_(bindparam("youth_ids", expanding=True)),
        Conversation.status == "active",
    )
    .order_by(col(Conversation.id))
)


@dataclass(frozen=True)
class Progress:
    """What happened in one step, for the caller to act on (consent, signals, handoff)."""

    conversation: Conversation
    step: Step


def _buttons(message: engine.OutgoingMessage) -> tuple[tuple[Button, ...], ...]:
    return tuple(
        tuple(Button(label=b.label, data=b.callback_data) for b in row) for row in message.buttons
    )


def _translate(text: str, language: str) -> str:
    return gettext(text, language)


class FlowRunner:
    def __init__(self, flows: Mapping[str, Flow], zone: tzinfo) -> None:
        self.flows = flows
        self.zone = zone

    async def active_conversation(self, session: AsyncSession, youth: Youth) -> Conversation | None:
        if youth.id is None:
            return None
        return (await self.active_conversations(session, [youth.id])).get(youth.id)

    async def active_conversations(
        self, session: AsyncSession, youth_ids: Sequence[int]
    ) -> dict[int, Conversation]:
        """Youth id -> open conversation (the newest), for those of `youth_ids` with one."""
        # No autoflush: a pending row (the inbound chat message just logged) cannot change which
        # conversation is open, and left pending it is written together with the reply's rows.
        with session.no_autoflush:
            result = await session.exec(ACTIVE_CONVERSATIONS, params={"youth_ids": list(youth_ids)})  # type: ignore[call-overload]
            return {row.youth_id: row for row in result.all()}  # ordered by id: newest wins

    async def start(
        self,
        session: AsyncSession,
        youth: Youth,
        flow_id: str,
        now: datetime,
        *,
        contact_id: int | None = None,
        automated: bool = False,
        extra_context: Mapping[str, Any] | None = None,
    ) -> Progress:
        """Start `flow_id`, closing any conversation still open (a new one supersedes it)."""
        flow = self.flows[flow_id]
        previous = await self.active_conversation(session, youth)
        if previous is not None:
            previous.status = "expired"
            previous.finished_at = now
            previous.updated_at = now
            session.add(previous)
        context = {**await flow_context(session, youth, now, self.zone), **(extra_context or {})}
        step = engine.start(
            flow, context, conversation_id=secrets.token_urlsafe(9), translate=_translate
        )
        conversation = Conversation(
            youth_id=youth.id,  # type: ignore[arg-type]
            flow_id=flow.id,
            flow_version=flow.version,
            contact_id=contact_id,
            status=step.state.status,
            state=step.state.to_json(),
            started_at=now,
            updated_at=now,
        )
        session.add(conversation)
        await session.flush()
        await self._apply(session, youth, conversation, step, now, automated=automated)
        return Progress(conversation, step)

    async def advance(
        self,
        session: AsyncSession,
        youth: Youth,
        conversation: Conversation,
        event: Event,
        now: datetime,
        facts: Facts | None = None,
    ) -> Progress:
        """`facts`: the youth's flow facts, when the caller fetched them already."""
        flow = self.flows.get(conversation.flow_id)
        if flow is None:  # a flow file was removed: close the conversation, keep its answers
            conversation.status = "expired"
            conversation.finished_at = now
            session.add(conversation)
            return Progress(conversation, engine.expire(FlowState.from_json(conversation.state)))
        context = await flow_context(session, youth, now, self.zone, facts)
        state = FlowState.from_json(conversation.state)
        step = engine.advance(flow, state, event, context, translate=_translate)
        await self._apply(session, youth, conversation, step, now, automated=False)
        return Progress(conversation, step)

    async def expire(
        self, session: AsyncSession, conversation: Conversation, now: datetime
    ) -> Progress:
        step = engine.expire(FlowState.from_json(conversation.state))
        conversation.status = step.state.status
        conversation.state = step.state.to_json()
        conversation.updated_at = now
        conversation.finished_at = now
        session.add(conversation)
        return Progress(conversation, step)

    async def resend_question(
        self, session: AsyncSession, youth: Youth, conversation: Conversation, now: datetime
    ) -> bool:
        """Ask the open question again (a reminder). False when nothing is open."""
        flow = self.flows.get(conversation.flow_id)
        if flow is None or youth.telegram_chat_id is None:
            return False
        context = await flow_context(session, youth, now, self.zone)
        state = FlowState.from_json(conversation.state)
        question = engine.current_question(flow, state, context, translate=_translate)
        if question is None:
            return False
        await reply(
            session,
            chat_id=youth.telegram_chat_id,
            text=question.text,
            buttons=_buttons(question),
            youth_id=youth.id,
            language=youth.language,
            now=now,
            priority=PRIORITY_ROUTINE,
            requires_consent=True,
            automated=True,
        )
        return True

    async def _apply(
        self,
        session: AsyncSession,
        youth: Youth,
        conversation: Conversation,
        step: Step,
        now: datetime,
        *,
        automated: bool,
    ) -> None:
        conversation.state = step.state.to_json()
        conversation.status = step.state.status
        conversation.updated_at = now
        if step.finished and conversation.finished_at is None:
            conversation.finished_at = now
        session.add(conversation)
        for answer in step.answers:
            await _store_answer(session, youth, conversation, answer, now)
        if youth.telegram_chat_id is None:
            return
        # A check-in is routine and needs consent at send time; the onboarding asks for it.
        needs_consent = conversation.flow_id not in ("onboarding", "reoffer")
        for message in step.messages:
            await reply(
                session,
                chat_id=youth.telegram_chat_id,
                text=message.text,
                buttons=_buttons(message),
                youth_id=youth.id,
                language=youth.language,
                now=now,
                priority=PRIORITY_ROUTINE if automated else PRIORITY_REPLY,
                requires_consent=needs_consent,
                automated=automated,
            )


def _upsert_answer(insert: Any) -> Any:
    """One value per key per conversation; answering again replaces it."""
    statement = insert(Answer)  # its VALUES come from the parameters given at execution
    return statement.on_conflict_do_update(
        index_elements=["conversation_id", "key"],
        set_={
            "value": statement.excluded.value,
            "node_id": statement.excluded.node_id,
            "answered_at": statement.excluded.answered_at,
        },
    )


UPSERT_ANSWER = PerDialect(_upsert_answer)


async def _store_answer(
    session: AsyncSession,
    youth: Youth,
    conversation: Conversation,
    answer: engine.Answer,
    now: datetime,
) -> None:
    """Queued: the answers of every update in the transaction go in one upsert (see
    `bot.storage.deferred`); the conversation row exists (started conversations are flushed)."""
    values = {
        "youth_id": youth.id,
        "conversation_id": conversation.id,
        "key": answer.key,
        "value": str(answer.value),
        "node_id": answer.node_id,
        "answered_at": now,
    }
    defer_write(session, UPSERT_ANSWER(session), (conversation.id, answer.key), values)
