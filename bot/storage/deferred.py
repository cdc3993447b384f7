"""Writes that wait in the session until its next statement or its commit, then go together.

An answer was one upsert per answer, sent the moment the flow stored it. When many answers
share a transaction (see `bot.conversations.router`), that was a round trip each. Deferred,
they go to the database as one statement per kind of write, just before whatever the
transaction does next through the session (so a read in the same transaction sees them, as
autoflush makes it see new ORM rows) or at commit. A rollback drops them.

A row is queued under a key: queued again, its later values replace the earlier ones, which is
what running the upserts one after the other would leave behind. So a row is sent once, however
the driver sends many rows (one multi-row upsert could not touch a row twice on PostgreSQL).

Reads through `session.connection()` bypass the session's events and do not see deferred
rows; read deferred tables through the session.
"""

from __future__ import annotations

from collections.abc import Hashable
from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import ORMExecuteState, Session
from sqlalchemy.sql import Executable
from sqlmodel.ext.asyncio.session import AsyncSession

DEFERRED = "inbeeld_deferred_writes"
Pending = dict[Executable, dict[Hashable, dict[str, Any]]]


def defer_write(
    session: AsyncSession, statement: Executable, key: Hashable, params: dict[str, Any]
) -> None:
    """Queue one row of `statement` (an INSERT, usually an upsert, built once)."""
    if not session.in_transaction():
        # Queued rows belong to a transaction, so that its rollback drops them; beginning one
        # opens no connection yet.
        session.sync_session.begin()
    pending: Pending = session.sync_session.info.setdefault(DEFERRED, {})
    rows = pending.setdefault(statement, {})
    rows.pop(key, None)  # re-queued: it moves to the end, where running it last would put it
    rows[key] = params


def write_deferred(session: Session) -> None:
    """Send what is queued (the session's events call this; so may code that must be sure)."""
    pending: Pending | None = session.info.pop(DEFERRED, None)
    for statement, rows in (pending or {}).items():
        session.execute(statement, list(rows.values()))


@event.listens_for(Session, "do_orm_execute")
def _before_a_statement(state: ORMExecuteState) -> None:
    if DEFERRED in state.session.info:
        write_deferred(state.session)


@event.listens_for(Session, "before_commit")
def _before_commit(session: Session) -> None:
    if DEFERRED in session.info:
        session.flush()  # the rows they refer to first
        write_deferred(session)


@event.listens_for(Session, "after_soft_rollback")
def _after_rollback(session: Session, _transaction: Any) -> None:
    session.info.pop(DEFERRED, None)
