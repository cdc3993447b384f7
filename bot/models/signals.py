"""Signals of relapse and the escalations that collect them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, UniqueConstraint
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
    # Added by bot.watchers (migration 0011): the youth asked for a person (handoff), the
    # lifecycle's transitions (who, when), and the reminder bookkeeping.
    conversation_requested_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    history: list[dict[str, Any]] = Field(default_factory=list, sa_type=JSON)
    last_reminder_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    backup_alerted_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


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


class EscalationMessage(SQLModel, table=True):
    """A message to a coordinator about a youth (alert, reminder, relay) and how it went out.

    Telegram messages point at their outbox row: its `channel_message_id` lets a coordinator's
    reply be routed back to the youth. E-mail is the fallback when there is no Telegram link or
    Telegram refused the message; `email_status` tracks it (pending|sent|failed).
    """

    id: int | None = Field(default=None, primary_key=True)
    escalation_id: int | None = Field(default=None, foreign_key="escalation.id", index=True)
    youth_id: int = Field(foreign_key="youth.id", index=True)
    staff_user_id: int = Field(foreign_key="staffuser.id", index=True)
    kind: str = Field(max_length=20)  # alert|reminder|backup|handover|conversation|relay|task|...
    note: str | None = Field(default=None, max_length=500)  # a task's staff note (never youth text)
    outbox_id: int | None = Field(default=None, foreign_key="outboxmessage.id", index=True)
    email_status: str | None = Field(default=None, max_length=10)
    email_error: str | None = Field(default=None, max_length=300)
    created_at: datetime = Field(sa_type=UTCDateTime)
    emailed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
