"""Record and collect domain events (see `bot.models.events.DomainEvent`).

Kept deliberately small: a writer that joins the caller's transaction, a reader for the
unhandled events of one kind, and a way to mark them handled.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.models.events import DomainEvent

BOT_BLOCKED = "bot_blocked"
"""The youth blocked the bot or deleted the chat; data: `outbox_id`, `channel`."""


def record_event(
    session: AsyncSession,
    kind: str,
    *,
    youth_id: int | None,
    occurred_at: datetime,
    data: dict[str, Any] | None = None,
) -> DomainEvent:
    """Add an event in the caller's transaction; it is committed with the change that caused it."""
    if occurred_at.tzinfo is None:
        raise ValueError("occurred_at must be timezone-aware; use the injected clock")
    event = DomainEvent(
        kind=kind, youth_id=youth_id, data=dict(data or {}), occurred_at=occurred_at
    )
    session.add(event)
    return event


async def unhandled_events(
    session: AsyncSession, kind: str, *, limit: int = 500
) -> Sequence[DomainEvent]:
    """The oldest events of `kind` nobody has handled yet."""
    statement = (
        select(DomainEvent)
        .where(DomainEvent.kind == kind, col(DomainEvent.handled_at).is_(None))
        .order_by(col(DomainEvent.id))
        .limit(limit)
    )
    return (await session.exec(statement)).all()


async def mark_handled(session: AsyncSession, event_ids: Iterable[int], *, at: datetime) -> int:
    ids = list(event_ids)
    if not ids:
        return 0
    connection = await session.connection()
    result = await connection.execute(
        update(DomainEvent)
        .where(col(DomainEvent.id).in_(ids), col(DomainEvent.handled_at).is_(None))
        .values(handled_at=at)
    )
    return result.rowcount
