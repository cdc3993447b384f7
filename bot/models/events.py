"""Domain events: small facts one part of the service records for another to act on.

The dispatcher records, for example, `bot_blocked` when Telegram says a youth blocked the bot;
the signals code turns unhandled events into signals (using the event id as the signal's
`source_key`, so handling twice is harmless) and marks them handled.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Index
from sqlmodel import Field, SQLModel

from bot.storage.types import UTCDateTime


class DomainEvent(SQLModel, table=True):
    __table_args__ = (Index("ix_domainevent_kind_handled_at", "kind", "handled_at"),)

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=40)  # bot_blocked | ...
    youth_id: int | None = Field(default=None, foreign_key="youth.id", index=True)
    # Identifiers only (ids, channel names): never names, message texts or phone numbers.
    data: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
    occurred_at: datetime = Field(sa_type=UTCDateTime)
    handled_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
