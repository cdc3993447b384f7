"""SQLite's driver makes one call on aiosqlite's thread per statement and still gives SQLAlchemy
everything a cursor gives: rows, row counts, new ids, column names, errors, rollbacks."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from bot.storage import sqlite_driver
from bot.storage.db import Database


@pytest.fixture
async def database(tmp_path):
    database = Database(f"sqlite:///{tmp_path / 'driver.db'}")
    async with database.transaction() as session:
        connection = await session.connection()
        await connection.exec_driver_sql(
            "CREATE TABLE item (id INTEGER PRIMARY KEY, name TEXT UNIQUE, size INTEGER)"
        )
    yield database
    await database.dispose()


@pytest.fixture
def calls(monkeypatch) -> list[str]:
    """The calls made on aiosqlite's thread, by name."""
    made: list[str] = []
    original = sqlite_driver.OneCallConnection._execute

    async def counted(self, function, *args, **kwargs):
        made.append(getattr(function, "__name__", None) or function.func.__name__)
        return await original(self, function, *args, **kwargs)

    monkeypatch.setattr(sqlite_driver.OneCallConnection, "_execute", counted)
    return made


async def test_the_engine_connects_through_the_one_call_connection(database):
    async with database.engine.connect() as connection:
        raw = await connection.get_raw_connection()
        assert isinstance(raw.driver_connection, sqlite_driver.OneCallConnection)


async def test_each_statement_is_one_call_on_the_thread_whatever_it_returns(database, calls):
    async with database.transaction() as session:
        connection = await session.connection()
        calls.clear()
        inserted = await connection.execute(
            text("INSERT INTO item (name, size) VALUES ('a', 1), ('b', 2) RETURNING id, name")
        )
        rows = inserted.all()
        updated = await connection.execute(text("UPDATE item SET size = size + 1"))
        many = await connection.execute(
            text("INSERT INTO item (name, size) VALUES (:name, :size)"),
            [{"name": "c", "size": 3}, {"name": "d", "size": 4}],
        )
        selected = (await connection.execute(text("SELECT name, size FROM item ORDER BY id"))).all()

    # (what the pool does with a connection after the commit is SQLAlchemy's business)
    assert calls[: calls.index("commit") + 1] == [
        "_run_statement",
        "_run_statement",
        "_run_many",
        "_run_statement",
        "commit",
    ]
    assert [tuple(r) for r in rows] == [(1, "a"), (2, "b")]
    assert list(inserted.keys()) == ["id", "name"]
    assert updated.rowcount == 2
    assert many.rowcount == 2
    assert [tuple(r) for r in selected] == [("a", 2), ("b", 3), ("c", 3), ("d", 4)]


async def test_a_new_rows_id_and_partial_fetches_come_from_the_one_call(database):
    async with database.transaction() as session:
        connection = await session.connection()
        inserted = await connection.exec_driver_sql("INSERT INTO item (name, size) VALUES ('x', 9)")
        assert inserted.lastrowid == 1
        await connection.exec_driver_sql("INSERT INTO item (name, size) VALUES ('y', 8), ('z', 7)")
        result = await connection.exec_driver_sql("SELECT name FROM item ORDER BY id")
        assert result.fetchone() == ("x",)
        assert result.fetchmany(1) == [("y",)]
        assert result.fetchall() == [("z",)]


async def test_an_error_reaches_the_caller_as_sqlalchemys_and_rolls_the_work_back(database):
    with pytest.raises(IntegrityError, match="UNIQUE"):
        async with database.transaction() as session:
            connection = await session.connection()
            await connection.exec_driver_sql("INSERT INTO item (name, size) VALUES ('a', 1)")
            await connection.exec_driver_sql("INSERT INTO item (name, size) VALUES ('a', 2)")

    async with database.session() as session:
        connection = await session.connection()
        count = (await connection.exec_driver_sql("SELECT count(*) FROM item")).scalar_one()
        # the connection is still usable after the failed statement
        assert (await connection.exec_driver_sql("SELECT 1")).scalar_one() == 1
    assert count == 0
