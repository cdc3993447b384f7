"""Idempotency: an update id is claimed in the same transaction as its effects."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.models import InboundUpdate
from bot.storage.dialects import PerDialect


def _claim(insert: Any) -> Any:
    return (
        insert(InboundUpdate)  # its VALUES come from the parameters given at execution
        .on_conflict_do_nothing(index_elements=["channel", "update_id"])
        .returning(InboundUpdate.id)
    )


CLAIM = PerDialect(_claim)


async def claim_update(session: AsyncSession, channel: str, update_id: int, now: datetime) -> bool:
    """True the first time an update is seen; False for a redelivery (then do nothing)."""
    result = await session.exec(
        CLAIM(session),  # type: ignore[call-overload]
        params={"channel": channel, "update_id": update_id, "received_at": now},
    )
    return result.first() is not None
