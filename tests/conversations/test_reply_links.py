"""`reply()` links the timeline entry to its outbox row without costing the answer path a
statement: the rows of a step still go to the database in its one flush, INSERTs only."""

from __future__ import annotations

import pytest
from sqlalchemy import event
from sqlmodel import col, select

from bot.conversations.outbound import reply
from bot.models import ChatMessage, OutboxMessage
from tests import factories

pytestmark = pytest.mark.db

REPLIES = 3


async def test_a_steps_replies_and_their_links_go_in_its_one_flush(database, clock):
    async with database.transaction() as session:
        region = await factories.region(session)
        school = await factories.school(session, region)
        youth = await factories.youth(session, clock.now(), school)
        youth.telegram_chat_id = 321
        session.add(youth)
    statements: list[str] = []

    def count_statement(conn, cursor, statement, *args):  # type: ignore[no-untyped-def]
        if statement not in ("BEGIN", "BEGIN IMMEDIATE"):  # SQLite's explicit transaction start
            statements.append(statement)

    event.listen(database.engine.sync_engine, "before_cursor_execute", count_statement)
    try:
        async with database.transaction() as session:
            for i in range(REPLIES):
                await reply(
                    session, chat_id=321, text=f"antwoord {i}", now=clock.now(), youth_id=youth.id
                )
            assert statements == [], "reply() itself must not flush"
    finally:
        event.remove(database.engine.sync_engine, "before_cursor_execute", count_statement)

    # One INSERT per table (PostgreSQL batches the rows), or per row (SQLite returns ids row by
    # row): either way nothing but the rows themselves, and no UPDATE to fill in the links.
    assert all(s.lstrip().startswith("INSERT INTO") for s in statements), statements
    assert len(statements) <= 2 * REPLIES, statements
    async with database.session() as session:
        rows = (
            await session.exec(
                select(ChatMessage.text, OutboxMessage.payload)
                .join(OutboxMessage, col(OutboxMessage.id) == col(ChatMessage.outbox_id))
                .order_by(col(ChatMessage.id))
            )
        ).all()
    assert [(text, payload["text"]) for text, payload in rows] == [
        (f"antwoord {i}", f"antwoord {i}") for i in range(REPLIES)
    ]
