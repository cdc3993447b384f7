"""Answers are stored with statements built once: one row per key per conversation, the
latest answer replacing an earlier one, on both databases."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import col, select

from bot.conversations.runner import _store_answer
from bot.models import Answer, Conversation
from flows import engine
from tests import factories

pytestmark = pytest.mark.db


async def test_answering_a_key_again_replaces_the_value_and_keeps_other_keys(database, clock):
    first, later = clock.now(), clock.now() + timedelta(minutes=5)
    async with database.transaction() as session:
        school = await factories.school(session, await factories.region(session))
        youth = await factories.youth(session, first, school)
        conversations = []
        for _ in range(2):
            conversation = Conversation(
                youth_id=youth.id, flow_id="checkin", started_at=first, updated_at=first
            )
            session.add(conversation)
            conversations.append(conversation)
        await session.flush()
        one, other = conversations
        await _store_answer(session, youth, one, engine.Answer("mood", 2, "mood"), first)
        await _store_answer(session, youth, one, engine.Answer("doing", "werk", "doing"), first)
        await _store_answer(session, youth, other, engine.Answer("mood", 4, "mood"), first)
    async with database.transaction() as session:
        await _store_answer(session, youth, one, engine.Answer("mood", 5, "mood_again"), later)

    async with database.session() as session:
        rows = (
            await session.exec(
                select(Answer).order_by(col(Answer.conversation_id), col(Answer.key))
            )
        ).all()
    assert [
        (r.conversation_id, r.key, r.value, r.node_id, r.answered_at, r.youth_id) for r in rows
    ] == [
        (one.id, "doing", "werk", "doing", first, youth.id),
        (one.id, "mood", "5", "mood_again", later, youth.id),
        (other.id, "mood", "4", "mood", first, youth.id),
    ]
