from __future__ import annotations

import pytest

from bot.events import BOT_BLOCKED, mark_handled, record_event, unhandled_events

pytestmark = pytest.mark.db


async def test_events_are_recorded_listed_and_marked_handled(database, clock):
    async with database.transaction() as session:
        first = record_event(session, BOT_BLOCKED, youth_id=None, occurred_at=clock.now())
        record_event(session, "other", youth_id=None, occurred_at=clock.now())
        second = record_event(
            session, BOT_BLOCKED, youth_id=None, occurred_at=clock.now(), data={"outbox_id": 3}
        )
    async with database.session() as session:
        found = await unhandled_events(session, BOT_BLOCKED)
    assert [e.id for e in found] == [first.id, second.id]
    assert found[1].data == {"outbox_id": 3}

    async with database.transaction() as session:
        assert await mark_handled(session, [first.id], at=clock.now()) == 1
        assert await mark_handled(session, [first.id], at=clock.now()) == 0  # already handled
        assert await mark_handled(session, [], at=clock.now()) == 0
    async with database.session() as session:
        assert [e.id for e in await unhandled_events(session, BOT_BLOCKED)] == [second.id]


async def test_naive_times_are_refused(database, clock):
    async with database.transaction() as session:
        with pytest.raises(ValueError, match="timezone-aware"):
            record_event(
                session, BOT_BLOCKED, youth_id=None, occurred_at=clock.now().replace(tzinfo=None)
            )
