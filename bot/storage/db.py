"""Database engine and sessions (async SQLAlchemy through SQLModel).

SQLite is the embedded default (WAL, foreign keys, busy timeout), through aiosqlite with one
call on its thread per statement (`bot.storage.sqlite_driver`); PostgreSQL through psycopg.

SQLite has one writer at a time, and a connection that finds the write lock taken waits in
SQLite's busy handler, which sleeps in growing steps (1, 2, 5 ... 100 ms) instead of queueing:
under load the first write of a transaction waited 180 ms on average. So `transaction()` on
SQLite first takes an in-process lock (writers queue in order and start the moment the previous
one commits) and then begins with `BEGIN IMMEDIATE`, taking the write lock at the start rather
than at the first write (which also keeps a read-then-write transaction from failing when another
process wrote in between). Another process (the CLI, a second service) still meets the busy
timeout, as before. `session()` stays a deferred transaction: readers never queue.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.storage import sqlite_driver

SQLITE_BUSY_TIMEOUT_MS = 5000
# Execution option read by `_begin_sqlite`: start the transaction with BEGIN IMMEDIATE.
IMMEDIATE = "inbeeld_sqlite_immediate"


def async_url(url: str) -> str:
    """Map the URL a person writes to the async driver SQLAlchemy needs."""
    parsed = make_url(url)
    driver = parsed.drivername
    if driver in ("sqlite", "sqlite+pysqlite"):
        parsed = parsed.set(drivername="sqlite+aiosqlite")
    elif driver in ("postgres", "postgresql", "postgresql+psycopg2", "postgresql+asyncpg"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed.render_as_string(hide_password=False)


def sync_url(url: str) -> str:
    """The synchronous twin of a URL, for tools such as Alembic's offline mode."""
    parsed = make_url(async_url(url))
    if parsed.drivername == "sqlite+aiosqlite":
        parsed = parsed.set(drivername="sqlite")
    return parsed.render_as_string(hide_password=False)


def _configure_sqlite(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()
    # The driver's own implicit BEGIN is always deferred; `_begin_sqlite` emits ours instead
    # (SQLAlchemy's documented recipe for the pysqlite/aiosqlite drivers).
    dbapi_connection.isolation_level = None


def _begin_sqlite(connection: Any) -> None:
    immediate = connection.get_execution_options().get(IMMEDIATE, False)
    connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def create_engine(url: str, **kwargs: Any) -> AsyncEngine:
    url = async_url(url)
    if make_url(url).drivername == "sqlite+aiosqlite":

        async def connect() -> sqlite_driver.OneCallConnection:
            arguments, options = engine.dialect.create_connect_args(engine.url)
            return await sqlite_driver.connect(*arguments, **options)

        kwargs.setdefault("async_creator", connect)
    engine = create_async_engine(url, **kwargs)
    if engine.dialect.name == "sqlite":
        event.listen(engine.sync_engine, "connect", _configure_sqlite)
        event.listen(engine.sync_engine, "begin", _begin_sqlite)
    return engine


class _WriteQueue:
    """The in-process queue for SQLite's write lock (see the module doc).

    Re-entrant per task: a transaction opened inside another one by the same task does not wait
    for itself (it can read; writing needs the outer one's lock, as it always did). Bounded by
    the busy timeout: a holder that is stuck for longer does not
    block the others for ever, they go on to SQLite's own busy handling as before.
    """

    def __init__(self, timeout: float) -> None:
        self._lock = asyncio.Lock()
        self._owner: asyncio.Task[Any] | None = None
        self._timeout = timeout

    @asynccontextmanager
    async def turn(self) -> AsyncIterator[bool]:
        """Yields whether this is the outermost write transaction of the task."""
        task = asyncio.current_task()
        if task is not None and task is self._owner:
            yield False
            return
        acquired = False
        if not self._lock.locked():
            acquired = await self._lock.acquire()  # free: no task, no timer
        else:
            with contextlib.suppress(TimeoutError):
                acquired = await asyncio.wait_for(self._lock.acquire(), self._timeout)
        if acquired:
            self._owner = task
        try:
            yield True
        finally:
            if acquired:
                self._owner = None
                self._lock.release()


class Database:
    """Owns the engine; hands out sessions. Everything that writes goes through here."""

    def __init__(self, url: str, **engine_kwargs: Any) -> None:
        self.url = url
        self.engine = create_engine(url, **engine_kwargs)
        self._sessions = async_sessionmaker(
            self.engine, class_=AsyncSession, expire_on_commit=False
        )
        self._write_queue = (
            _WriteQueue(SQLITE_BUSY_TIMEOUT_MS / 1000) if self.dialect == "sqlite" else None
        )

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @asynccontextmanager
    async def session(self) -> AsyncIterator[AsyncSession]:
        async with self._sessions() as session:
            yield session

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncSession]:
        """A session whose work is committed on success and rolled back on any error."""
        if self._write_queue is None:
            async with self._sessions() as session, session.begin():
                yield session
            return
        async with (
            self._write_queue.turn() as outermost,
            self._sessions() as session,
            session.begin(),
        ):
            await session.connection(execution_options={IMMEDIATE: outermost})
            yield session

    async def ping(self) -> bool:
        from sqlalchemy import text

        try:
            async with self.engine.connect() as connection:
                await connection.execute(text("SELECT 1"))
        except Exception:
            return False
        return True

    async def dispose(self) -> None:
        await self.engine.dispose()
