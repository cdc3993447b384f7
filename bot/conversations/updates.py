"""Idempotency: an update id is claimed in the same transaction as its effects."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.models import InboundUpdate


async def claim_update(session: AsyncSession, channel: str, update_id: int, now: datetime) -> bool:
    """True the first time an update is seen; False for a redelivery (then do nothing)."""
    dialect = session.bind.dialect.name if session.bind is not None else "sqlite"
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = (
        insert(InboundUpdate)
        .values(channel=channel, update_id=update_id, received_at=now)
        .on_conflict_do_nothing(index_elements=["channel", "update_id"])
        .returning(InboundUpdate.id)
    )
    result = await session.exec(statement)  # type: ignore[call-overload]
    return result.first() is not None
