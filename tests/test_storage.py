import asyncio
import sqlite3
from datetime import date, datetime, timedelta, timezone

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import text
from sqlmodel import select

from bot.models import Region, School, StaffUser, Youth, metadata
from bot.storage import migrate
from bot.storage.db import Database, async_url

pytestmark = pytest.mark.db


async def test_migrations_reach_head_and_match_the_models(database: Database):
    assert await migrate.is_up_to_date(database)

    def diff(connection):
        return compare_metadata(MigrationContext.configure(connection), metadata)

    async with database.engine.connect() as connection:
        differences = await connection.run_sync(diff)
    assert differences == [], f"models and migrations differ: {differences}"


async def test_upgrade_twice_is_harmless(database: Database):
    await migrate.upgrade(database)
    assert await migrate.current_revision(database) == migrate.head_revision()


async def test_datetimes_come_back_as_aware_utc(database: Database):
    created = datetime(2026, 3, 29, 1, 30, tzinfo=timezone(timedelta(hours=2)))
    async with database.transaction() as session:
        region = Region(name="Midden-Brabant")
        session.add(region)
        await session.flush()
        school = School(code="PRO1", name="Pro School", type="pro", region_id=region.id)
        session.add(school)
        await session.flush()
        session.add(
            Youth(
                school_id=school.id,
                student_number="1001",
                first_name="Sem",
                date_of_birth=date(2008, 5, 1),
                leaving_date=date(2026, 7, 1),
                profile="arbeid",
                municipality="Tilburg",
                created_at=created,
                updated_at=created,
            )
        )
    async with database.session() as session:
        youth = (await session.exec(select(Youth))).one()
    assert youth.created_at.tzinfo is not None
    assert youth.created_at == created
    assert youth.created_at.utcoffset() == timedelta(0)


async def test_naive_datetimes_are_refused(database: Database):
    with pytest.raises(Exception, match="naive datetime"):
        async with database.transaction() as session:
            session.add(
                StaffUser(email="a@b.nl", name="A", role="admin", created_at=datetime(2026, 1, 1))
            )


async def test_foreign_keys_are_enforced(database: Database):
    with pytest.raises(Exception):  # noqa: B017 - IntegrityError's class differs per driver
        async with database.transaction() as session:
            session.add(School(code="X", name="X", type="pro", region_id=999))


async def test_sqlite_runs_in_wal_mode(tmp_path):
    db = Database(f"sqlite:///{tmp_path / 'wal.db'}")
    async with db.engine.connect() as connection:
        mode = (await connection.execute(text("PRAGMA journal_mode"))).scalar()
        timeout = (await connection.execute(text("PRAGMA busy_timeout"))).scalar()
    await db.dispose()
    assert mode == "wal"
    assert timeout >= 1000


async def test_sqlite_write_transactions_take_the_write_lock_at_begin(tmp_path):
    path = tmp_path / "lock.db"
    db = Database(f"sqlite:///{path}")
    await migrate.upgrade(db)
    try:
        async with db.transaction() as session:
            await session.exec(select(Region))  # only a read so far: BEGIN IMMEDIATE locked
            other = sqlite3.connect(path, timeout=0)
            try:
                with pytest.raises(sqlite3.OperationalError, match="locked"):
                    other.execute("INSERT INTO region (name, schools_see_answers) VALUES ('x', 0)")
            finally:
                other.close()
        async with db.session() as session:  # a plain session does not take it
            await session.exec(select(Region))
            other = sqlite3.connect(path, timeout=0)
            other.execute("INSERT INTO region (name, schools_see_answers) VALUES ('y', 0)")
            other.commit()
            other.close()
    finally:
        await db.dispose()


async def test_sqlite_write_transactions_queue_in_order(tmp_path):
    db = Database(f"sqlite:///{tmp_path / 'queue.db'}")
    await migrate.upgrade(db)
    order: list[str] = []

    async def write(name: str) -> None:
        async with db.transaction() as session:
            order.append(f"{name} begins")
            session.add(Region(name=name))
            await session.flush()
            await asyncio.sleep(0.01)  # hold the lock across a suspension
            order.append(f"{name} commits")

    try:
        await asyncio.gather(*(write(f"r{i}") for i in range(5)))
        # One at a time, each from begin to commit (none failed on a busy database).
        assert order == [step for i in range(5) for step in (f"r{i} begins", f"r{i} commits")]
        async with db.transaction() as outer:
            outer.add(Region(name="outer"))
            await outer.flush()
            # Opened inside the other one by the same task: reads, and does not wait for itself.
            async with asyncio.timeout(2), db.transaction() as inner:
                assert (await inner.exec(select(Region.name))).all()
        async with db.session() as session:
            names = set((await session.exec(select(Region.name))).all())
        assert {"outer", "r0", "r4"} <= names
    finally:
        await db.dispose()


def test_urls_map_to_async_drivers():
    assert async_url("sqlite:///x.db") == "sqlite+aiosqlite:///x.db"
    assert async_url("postgresql://postgres@127.0.0.1:5432/test").startswith(
        "postgresql+psycopg://"
    )
    assert async_url("postgres://u:p@h/db") == "postgresql+psycopg://u:p@h/db"
