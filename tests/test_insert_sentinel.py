"""The timeline rows and outbox rows of one flush go in one INSERT per table, on SQLite too
(`bot.storage.types.batch_insert_sentinel`), and every row gets its own id back."""

from __future__ import annotations

from collections import Counter

import pytest
from sqlalchemy import event
from sqlmodel import col, select

from bot.conversations.outbound import reply
from bot.models import ChatMessage, OutboxMessage
from bot.storage.db import Database
from tests import factories

pytestmark = pytest.mark.db


async def test_replies_of_one_flush_are_inserted_together_with_their_ids(database: Database, clock):
    now = clock.now()
    async with database.transaction() as session:
        school = await factories.school(session, await factories.region(session))
        youths = [
            await factories.youth(session, now, school, student_number=str(n)) for n in range(5)
        ]

    inserts: Counter[str] = Counter()

    def count(_conn, _cursor, statement, _params, _context, _executemany) -> None:  # type: ignore[no-untyped-def]
        words = statement.split()
        if words[:2] == ["INSERT", "INTO"]:
            inserts[words[2]] += 1

    engine = database.engine.sync_engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        async with database.transaction() as session:
            for n, youth in enumerate(youths):
                await reply(
                    session, chat_id=7000 + n, text=f"bericht {n}", youth_id=youth.id, now=now
                )
    finally:
        event.remove(engine, "before_cursor_execute", count)

    assert inserts == {"outboxmessage": 1, "chatmessage": 1}
    async with database.session() as session:
        rows = (
            await session.exec(
                select(ChatMessage, OutboxMessage)
                .join(OutboxMessage, col(OutboxMessage.id) == col(ChatMessage.outbox_id))
                .order_by(col(ChatMessage.id))
            )
        ).all()
    assert [(m.text, m.youth_id, o.chat_id, o.youth_id) for m, o in rows] == [
        (f"bericht {n}", youth.id, 7000 + n, youth.id) for n, youth in enumerate(youths)
    ]
    assert [o.payload["text"] for _, o in rows] == [f"bericht {n}" for n in range(5)]
