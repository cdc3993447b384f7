"""SQLite through aiosqlite with one hand-over to its thread per statement.

aiosqlite runs every call on a thread of its own: a hand-over through a queue there, and a
wake-up of the event loop on the way back. SQLAlchemy's adapter makes four such calls per
statement (make a cursor, execute, fetch the rows, close the cursor). That came to ten
hand-overs per answer, and under load they cost about a fifth of the service's throughput
(`bench/README.md`, session 9). The cursor here makes the four steps one call on that thread. It
keeps what SQLAlchemy reads afterwards (description, row count, last row id, the rows) and closes
the sqlite3 cursor before it returns.

The rows are always fetched at once, as SQLAlchemy's adapter already did for every cursor except
a server-side one. The service never streams a result.

The connection subclasses aiosqlite's and uses three of its non-public names: `_execute` (the
call aiosqlite's own cursor makes), `_conn` (the sqlite3 connection, on the thread) and `_thread`.
So pyproject.toml pins aiosqlite's minor version.
`tests/test_sqlite_driver.py` covers this module, and so does every test that runs on SQLite.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from functools import partial
from types import TracebackType
from typing import Any

import aiosqlite

Row = tuple[Any, ...]
Description = tuple[tuple[Any, ...], ...] | None


class OneCallCursor:
    """The part of an aiosqlite cursor that SQLAlchemy's adapter uses; each statement is one
    call on the connection's thread, and fetching afterwards costs no call at all."""

    arraysize = 1

    def __init__(self, connection: OneCallConnection) -> None:
        self._connection = connection
        self.description: Description = None
        self.rowcount = -1
        self.lastrowid: int | None = None
        self._rows: list[Row] = []

    async def __aenter__(self) -> OneCallCursor:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.close()

    async def execute(self, sql: str, parameters: Any = None) -> OneCallCursor:
        run = partial(
            _run_statement, self._connection, sql, () if parameters is None else parameters
        )
        self.description, self.rowcount, self.lastrowid, self._rows = await self._on_thread(run)
        return self

    async def executemany(self, sql: str, parameters: Iterable[Any]) -> OneCallCursor:
        run = partial(_run_many, self._connection, sql, parameters)
        self.description, self.rowcount, self.lastrowid, self._rows = await self._on_thread(run)
        return self

    async def fetchone(self) -> Row | None:
        return self._rows.pop(0) if self._rows else None

    async def fetchmany(self, size: int | None = None) -> list[Row]:
        count = self.arraysize if size is None else size
        rows, self._rows = self._rows[:count], self._rows[count:]
        return rows

    async def fetchall(self) -> list[Row]:
        rows, self._rows = self._rows, []
        return rows

    async def close(self) -> None:
        self._rows = []  # the sqlite3 cursor was closed on the thread already

    async def _on_thread(self, run: Any) -> Any:
        return await self._connection._execute(run)


Outcome = tuple[Description, int, int | None, list[Row]]


def _run_statement(connection: OneCallConnection, sql: str, parameters: Any) -> Outcome:
    """On the connection's thread: the statement, its rows and what describes them."""
    cursor = connection._conn.cursor()
    try:
        cursor.execute(sql, parameters)
        rows = cursor.fetchall() if cursor.description else []
        return cursor.description, cursor.rowcount, cursor.lastrowid, rows
    finally:
        cursor.close()


def _run_many(connection: OneCallConnection, sql: str, parameters: Iterable[Any]) -> Outcome:
    cursor = connection._conn.cursor()
    try:
        cursor.executemany(sql, parameters)
        return cursor.description, cursor.rowcount, cursor.lastrowid, []
    finally:
        cursor.close()


class OneCallConnection(aiosqlite.Connection):
    def cursor(self) -> OneCallCursor:  # type: ignore[override]
        """A cursor at no cost: the sqlite3 one is made, used and closed within each call."""
        return OneCallCursor(self)


async def connect(database: str, *args: Any, **kwargs: Any) -> OneCallConnection:
    """`aiosqlite.connect` for `OneCallConnection`, with the arguments SQLAlchemy's SQLite dialect
    derives from a URL (`Dialect.create_connect_args`)."""
    connection = OneCallConnection(partial(sqlite3.connect, database, *args, **kwargs), 64)
    # As SQLAlchemy does for aiosqlite: a connection the pool never closed must not keep the
    # process alive at exit.
    connection._thread.daemon = True
    return await connection
