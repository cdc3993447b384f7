"""Idempotency: an update id is claimed in the same transaction as its effects."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.channels.base import IncomingEvent
from bot.models import InboundUpdate
from bot.storage.dialects import PerDialect

UpdateKey = tuple[str, int]


def _claim(insert: Any) -> Any:
    return (
        insert(InboundUpdate)  # its VALUES come from the parameters given at execution
        .on_conflict_do_nothing(index_elements=["channel", "update_id"])
        .returning(InboundUpdate.channel, InboundUpdate.update_id)
    )


CLAIM = PerDialect(_claim)


async def claim_updates(
    session: AsyncSession, events: Sequence[IncomingEvent], now: datetime
) -> set[UpdateKey]:
    """The updates among `events` seen for the first time, claimed in one statement; the
    others are redeliveries (do nothing for them)."""
    rows = [
        {"channel": event.channel, "update_id": event.update_id, "received_at": now}
        for event in events
    ]
    result = await session.exec(CLAIM(session), params=rows)  # type: ignore[call-overload]
    return {(channel, update_id) for channel, update_id in result.all()}
