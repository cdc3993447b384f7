"""Two service processes ticking one database act on each contact once; a quiet tick is cheap."""

from __future__ import annotations

import asyncio
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import event, insert
from sqlmodel import func, select

from bot.models import ConsentEvent, Conversation, Region, ScheduledContact, School, Youth
from bot.outreach.tick import Outreach, TickReport
from bot.storage.db import Database
from tests.outreach.conftest import Env, make_env

pytestmark = pytest.mark.db

LEAVING = date(2026, 7, 1)


async def _youths_with_consent(env: Env, count: int) -> list[int]:
    now = env.clock.now()
    async with env.database.transaction() as session:
        region = Region(name="Regio")
        session.add(region)
        await session.flush()
        school = School(code="C", name="Pro Tilburg", type="pro", region_id=region.id)
        session.add(school)
        await session.flush()
        youths = [
            Youth(
                school_id=school.id,  # type: ignore[arg-type]
                student_number=str(i),
                first_name="Test",
                date_of_birth=date(2008, 1, 1),
                leaving_date=LEAVING,
                profile="arbeid",
                municipality="Tilburg",
                participation="ja",
                telegram_user_id=9000 + i,
                telegram_chat_id=9000 + i,
                created_at=now,
                updated_at=now,
            )
            for i in range(count)
        ]
        session.add_all(youths)
        await session.flush()
        for youth in youths:
            session.add(
                ConsentEvent(
                    youth_id=youth.id,  # type: ignore[arg-type]
                    purpose="checkins",
                    action="granted",
                    given_by="youth",
                    text_version="v1",
                    text_sha256="0" * 64,
                    channel="telegram",
                    recorded_at=now,
                )
            )
        await session.flush()
        for youth in youths:
            await env.plans.sync(session, youth, now)
    return [youth.id for youth in youths]  # type: ignore[misc]


class Racing(Outreach):
    """Waits until both processes hold their list of due youths before acting on the first.

    The wait is before the first transaction, not inside it: on SQLite a write transaction
    holds the database's single write lock from its start, so a tick waiting inside one for
    the other tick would wait forever (the other cannot begin). Both then race for the same
    contacts; PostgreSQL really runs the two claims at once.
    """

    def __init__(self, *args, barrier: asyncio.Barrier, **kwargs) -> None:  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        self.barrier = barrier
        self.waited = False

    async def _chunk(self, youth_ids, now, report):  # type: ignore[no-untyped-def]
        if not self.waited:
            self.waited = True
            await asyncio.wait_for(self.barrier.wait(), timeout=30)
        return await super()._chunk(youth_ids, now, report)


async def _latest_first_checkin(database: Database) -> datetime:
    """The moment every youth's first check-in is due."""
    async with database.session() as session:
        return (
            await session.exec(
                select(func.max(ScheduledContact.due_at)).where(
                    ScheduledContact.key == "checkin:m3"
                )
            )
        ).one()


async def test_two_ticks_at_once_act_on_each_contact_once(database: Database, clock) -> None:
    env = make_env(database, clock)
    ids = await _youths_with_consent(env, 12)
    clock.set(await _latest_first_checkin(database))
    other_database = Database(database.url)  # a second process: its own engine and connections
    barrier = asyncio.Barrier(2)
    try:
        first = Racing(database, clock, env.runner, env.plans, env.watchers, barrier=barrier)
        second = Racing(other_database, clock, env.runner, env.plans, env.watchers, barrier=barrier)
        reports: list[TickReport] = await asyncio.gather(first.tick(), second.tick())
    finally:
        await other_database.dispose()

    assert all(report.youths == len(ids) for report in reports), "both saw every due youth"
    assert sum(report.sent for report in reports) == len(ids)
    assert sum(report.outcomes["failed"] for report in reports) == 0
    async with database.session() as session:
        per_contact = (
            await session.exec(
                select(Conversation.contact_id, func.count()).group_by(Conversation.contact_id)
            )
        ).all()
        statuses = (
            await session.exec(
                select(ScheduledContact.status).where(ScheduledContact.key == "checkin:m3")
            )
        ).all()
    assert len(per_contact) == len(ids)
    assert all(count == 1 for _, count in per_contact)
    assert statuses == ["sent"] * len(ids)
    drained = await env.dispatcher.drain()
    assert drained.sent == len(ids)  # the greeting with the first question, once per youth


@pytest.mark.parametrize(
    ("chunk_size", "step"),
    [(2, 0.001), (50, 0.03)],
    ids=["youths per transaction", "work per transaction"],
)
async def test_a_wave_goes_in_short_transactions_that_leave_room_for_other_writers(
    database: Database, clock, chunk_size: int, step: float
) -> None:
    env = make_env(database, clock)
    await _youths_with_consent(env, 5)
    clock.set(await _latest_first_checkin(database))
    moments = iter(range(10_000))
    pauses: list[float] = []

    async def sleep(seconds: float) -> None:
        pauses.append(seconds)

    outreach = Outreach(
        database,
        clock,
        env.runner,
        env.plans,
        env.watchers,
        chunk_size=chunk_size,
        chunk_seconds=0.05,
        monotonic=lambda: next(moments) * step,
        sleep=sleep,
    )
    report = await outreach.tick()

    assert report.youths == 5 and report.sent == 5 and report.outcomes["failed"] == 0
    assert len(pauses) == 2, "between the transactions of 2, 2 and 1 youths, not after the last"
    if database.dialect == "sqlite":
        # One writer at a time holds the whole database: leave it to the others for a while.
        assert all(pause > 0 for pause in pauses)
    else:
        assert pauses == [0, 0]


async def test_a_quiet_tick_is_one_query_at_20000_youths(database: Database, clock):
    env = make_env(database, clock)
    count = 20_000
    now = clock.now()
    async with database.transaction() as session:
        region = Region(name="Regio")
        session.add(region)
        await session.flush()
        school = School(code="BIG", name="Groot", type="pro", region_id=region.id)
        session.add(school)
        await session.flush()
        school_id = school.id
    youth_rows = [
        {
            "id": i + 1,
            "school_id": school_id,
            "student_number": str(i),
            "first_name": "T",
            "date_of_birth": date(2008, 1, 1),
            "leaving_date": LEAVING,
            "profile": "arbeid",
            "municipality": "Tilburg",
            "language": "nl",
            "participation": "ja",
            "representative_required": False,
            "created_at": now,
            "updated_at": now,
        }
        for i in range(count)
    ]
    contact_rows = [
        {
            "youth_id": i + 1,
            "key": f"checkin:m{month}",
            "kind": "checkin",
            "series": "checkin",
            "label": f"maand {month}",
            "flow_id": "checkin",
            "due_at": datetime(2026, 10, 1, 8, tzinfo=now.tzinfo)
            + timedelta(days=30 * n, minutes=i % 600),
            "status": "planned",
        }
        for i in range(count)
        for n, month in enumerate((3, 6, 9, 12))
    ]
    async with database.transaction() as session:
        connection = await session.connection()
        await connection.execute(insert(Youth.__table__), youth_rows)  # type: ignore[attr-defined]
        await connection.execute(insert(ScheduledContact.__table__), contact_rows)  # type: ignore[attr-defined]
    if database.dialect == "postgresql":
        async with database.engine.connect() as connection:
            await connection.exec_driver_sql("ANALYZE")

    statements: list[str] = []

    def count_statement(conn, cursor, statement, *args):  # type: ignore[no-untyped-def]
        if statement not in ("BEGIN", "BEGIN IMMEDIATE"):  # SQLite's explicit transaction start
            statements.append(statement)

    await env.outreach.tick()  # warm up the connection pool
    event.listen(database.engine.sync_engine, "before_cursor_execute", count_statement)
    try:
        for _ in range(5):
            statements.clear()
            report = await env.outreach.tick()
            assert report.youths == 0
            assert len(statements) == 1, statements
    finally:
        event.remove(database.engine.sync_engine, "before_cursor_execute", count_statement)
    # How fast that one query is, is measured by `python -m bench idle` (bench/README.md).
