"""Signals of relapse and the escalations that collect them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from bot.privacy.crypto import EncryptedJSON
from bot.storage.types import UTCDateTime


class Escalation(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    youth_id: int = Field(foreign_key="youth.id", index=True)
    state: str = Field(default="open", max_length=24, index=True)
    severity: str = Field(max_length=10)
    coordinator_id: int | None = Field(default=None, foreign_key="staffuser.id", index=True)
    opened_at: datetime = Field(sa_type=UTCDateTime)
    acknowledged_by: int | None = Field(default=None, foreign_key="staffuser.id")
    acknowledged_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    handover_receiver_name: str | None = Field(default=None, max_length=120)
    handover_receiver_organisation: str | None = Field(default=None, max_length=120)
    handover_requested_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    handover_accepted_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    closed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    outcome: str | None = Field(default=None, max_length=30)
    reminders_sent: int = 0
    next_reminder_at: datetime | None = Field(default=None, sa_type=UTCDateTime, index=True)


class Signal(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("youth_id", "rule_id", "source_key"),)

    id: int | None = Field(default=None, primary_key=True)
    youth_id: int = Field(foreign_key="youth.id", index=True)
    rule_id: str = Field(max_length=60)
    severity: str = Field(max_length=10)
    source_key: str = Field(max_length=120)  # the answer or event that fired it
    # The evidence: copies of answer values, so encrypted at rest like the answers themselves.
    reason: dict[str, Any] = Field(default_factory=dict, sa_type=EncryptedJSON)
    fired_at: datetime = Field(sa_type=UTCDateTime, index=True)
    escalation_id: int | None = Field(default=None, foreign_key="escalation.id", index=True)
