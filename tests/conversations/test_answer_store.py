"""Answers are stored with statements built once: one row per key per conversation, the
latest answer replacing an earlier one, on both databases. They wait in the session and go in
one statement per transaction, before its next read or at commit."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta

import pytest
from sqlalchemy import event
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.conversations.runner import _store_answer
from bot.models import Answer, Conversation, Youth
from bot.storage.db import Database
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


async def _youth_with_conversations(
    session: AsyncSession, now: datetime, count: int
) -> tuple[Youth, list[Conversation]]:
    school = await factories.school(session, await factories.region(session))
    youth = await factories.youth(session, now, school)
    conversations = [
        Conversation(youth_id=youth.id, flow_id="checkin", started_at=now, updated_at=now)
        for _ in range(count)
    ]
    session.add_all(conversations)
    await session.flush()
    return youth, conversations


@contextmanager
def answer_writes(database: Database) -> Iterator[list[str]]:
    statements: list[str] = []

    def record(_conn, _cursor, statement, _params, _context, _executemany) -> None:  # type: ignore[no-untyped-def]
        if statement.lstrip().upper().startswith("INSERT INTO ANSWER"):
            statements.append(statement)

    engine = database.engine.sync_engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", record)


async def test_the_answers_of_a_transaction_go_in_one_statement(database, clock):
    now = clock.now()
    with answer_writes(database) as statements:
        async with database.transaction() as session:
            youth, conversations = await _youth_with_conversations(session, now, 3)
            for conversation in conversations:
                for key in ("mood", "doing"):
                    answer = engine.Answer(key, "werk", key)
                    await _store_answer(session, youth, conversation, answer, now)
            assert statements == [], "queued, not yet written"
    assert len(statements) == 1
    async with database.session() as session:
        stored = (await session.exec(select(Answer))).all()
    assert len(stored) == 6


async def test_a_read_in_the_same_transaction_sees_the_queued_answers(database, clock):
    now = clock.now()
    async with database.transaction() as session:
        youth, (conversation,) = await _youth_with_conversations(session, now, 1)
        await _store_answer(session, youth, conversation, engine.Answer("mood", 3, "mood"), now)
        seen = (await session.exec(select(Answer.key, Answer.value))).all()
        assert seen == [("mood", "3")]
        await _store_answer(session, youth, conversation, engine.Answer("mood", 1, "m2"), now)
        seen = (await session.exec(select(Answer.key, Answer.value))).all()
        assert seen == [("mood", "1")]


async def test_a_key_answered_twice_in_one_transaction_keeps_the_later_answer(database, clock):
    now, later = clock.now(), clock.now() + timedelta(seconds=2)
    async with database.transaction() as session:
        youth, (conversation,) = await _youth_with_conversations(session, now, 1)
        await _store_answer(session, youth, conversation, engine.Answer("mood", 2, "mood"), now)
        await _store_answer(session, youth, conversation, engine.Answer("doing", "werk", "d"), now)
        await _store_answer(session, youth, conversation, engine.Answer("mood", 4, "again"), later)
    async with database.session() as session:
        rows = (await session.exec(select(Answer).order_by(col(Answer.key)))).all()
    assert [(r.key, r.value, r.node_id, r.answered_at) for r in rows] == [
        ("doing", "werk", "d", now),
        ("mood", "4", "again", later),
    ]


async def test_a_rollback_drops_the_queued_answers(database, clock):
    now = clock.now()
    async with database.transaction() as session:
        youth, (conversation,) = await _youth_with_conversations(session, now, 1)
    async with database.session() as session:
        await _store_answer(session, youth, conversation, engine.Answer("mood", 2, "m"), now)
        await session.rollback()
        await _store_answer(session, youth, conversation, engine.Answer("doing", "werk", "d"), now)
        await session.commit()
    async with database.session() as session:
        assert (await session.exec(select(Answer.key))).all() == ["doing"]
