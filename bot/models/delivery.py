"""Planned contacts and the transactional outbox."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from bot.privacy.crypto import EncryptedJSON
from bot.storage.types import UTCDateTime, batch_insert_sentinel


class ScheduledContact(SQLModel, table=True):
    """A `bot.scheduling.PlannedContact` as stored, with what has happened to it."""

    __table_args__ = (
        UniqueConstraint("youth_id", "key"),
        Index("ix_scheduledcontact_status_due_at", "status", "due_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    youth_id: int = Field(foreign_key="youth.id", index=True)
    key: str = Field(max_length=80)  # stable natural key, e.g. checkin:m3
    kind: str = Field(max_length=20)  # bot.scheduling.ContactKind
    series: str = Field(max_length=40)
    label: str = Field(max_length=80)
    flow_id: str | None = Field(default=None, max_length=60)
    due_at: datetime = Field(sa_type=UTCDateTime)
    nominal_date: date | None = None
    expires_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    parent_key: str | None = Field(default=None, max_length=80)
    note: str | None = Field(default=None, max_length=500)
    status: str = Field(default="planned", max_length=12)  # bot.scheduling.ContactStatus
    reason: str | None = Field(default=None, max_length=300)
    handled_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class OutboxMessage(SQLModel, table=True):
    """Written in the transaction of the state change that causes it; sent by the dispatcher."""

    __table_args__ = (
        Index("ix_outboxmessage_status_not_before", "status", "not_before"),
        batch_insert_sentinel(),  # an answer's flush writes many outbox rows at once
    )

    id: int | None = Field(default=None, primary_key=True)
    chat_id: int = Field(index=True)
    youth_id: int | None = Field(default=None, foreign_key="youth.id", index=True)
    staff_user_id: int | None = Field(default=None, foreign_key="staffuser.id")
    priority: int = 0  # higher first; crisis replies skip the queue
    # The message itself (text, buttons): names and free text, so encrypted at rest.
    payload: dict[str, Any] = Field(default_factory=dict, sa_type=EncryptedJSON)
    # pending|claimed|sending|checking|sent|failed|cancelled|uncertain (`bot.delivery.Status`)
    status: str = Field(default="pending", max_length=10)
    attempts: int = 0
    not_before: datetime = Field(sa_type=UTCDateTime)
    claimed_by: str | None = Field(default=None, max_length=80)
    claimed_until: datetime | None = Field(default=None, sa_type=UTCDateTime)
    sent_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    channel_message_id: int | None = Field(default=None, index=True)
    # The highest message id the sender had seen when it marked the row `sending`: if the send
    # goes unanswered, the message's own id can only be above it (`bot.delivery.checking`).
    probe_from: int | None = None
    last_error: str | None = Field(default=None, max_length=300)
    # Checked at send time: consent withdrawn or pause set after planning means no send.
    requires_consent: bool = True
    # Sent because a schedule said so (check-in, reminder, re-offer), not because someone just
    # spoke: a pause cancels it and an open human conversation holds it.
    automated: bool = False
    created_at: datetime = Field(sa_type=UTCDateTime)
