"""Conversations (flow state), answers, the chat log and processed inbound updates."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, UniqueConstraint
from sqlalchemy.orm import relationship
from sqlmodel import Field, Relationship, SQLModel

from bot.models.delivery import OutboxMessage
from bot.privacy.crypto import EncryptedText
from bot.storage.types import UTCDateTime, batch_insert_sentinel


class Conversation(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    youth_id: int = Field(foreign_key="youth.id", index=True)
    flow_id: str = Field(max_length=60)
    flow_version: int = 1
    contact_id: int | None = Field(default=None, foreign_key="scheduledcontact.id", index=True)
    status: str = Field(default="active", max_length=12, index=True)  # active|finished|expired
    state: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
    started_at: datetime = Field(sa_type=UTCDateTime)
    updated_at: datetime = Field(sa_type=UTCDateTime)
    finished_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class Answer(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("conversation_id", "key"),)

    id: int | None = Field(default=None, primary_key=True)
    youth_id: int = Field(foreign_key="youth.id", index=True)
    conversation_id: int = Field(foreign_key="conversation.id", index=True)
    key: str = Field(max_length=60)
    # Answers can be free text about wellbeing or money: encrypted at rest.
    value: str = Field(sa_type=EncryptedText(max_chars=4000))
    node_id: str = Field(max_length=60)
    answered_at: datetime = Field(sa_type=UTCDateTime, index=True)


class ChatMessage(SQLModel, table=True):
    """What was said, both ways, for the youth's timeline."""

    __table_args__ = (batch_insert_sentinel(),)  # an answer's flush writes many messages at once

    id: int | None = Field(default=None, primary_key=True)
    youth_id: int | None = Field(default=None, foreign_key="youth.id", index=True)
    staff_user_id: int | None = Field(default=None, foreign_key="staffuser.id", index=True)
    direction: str = Field(max_length=3)  # in|out
    kind: str = Field(max_length=20)  # text|button|command|sticker|...|relay
    text: str | None = Field(default=None, sa_type=EncryptedText(max_chars=8000))  # encrypted
    author_staff_id: int | None = Field(default=None, foreign_key="staffuser.id")
    created_at: datetime = Field(sa_type=UTCDateTime, index=True)
    # The outbox row of an outgoing message, so the timeline can say whether it arrived. Empty
    # for incoming messages and for messages logged before the link existed. Deleting an outbox
    # row (erasing a youth, a clean-up) must not be blocked by the log: the link then empties.
    # The index serves that ON DELETE, which otherwise scans the log for every deleted row.
    outbox_id: int | None = Field(
        default=None, foreign_key="outboxmessage.id", ondelete="SET NULL", index=True
    )
    # A message to a coordinator about the youth also points at its record there, which tells
    # whether it went by e-mail (no Telegram link, or Telegram refused it) and how that went.
    escalation_message_id: int | None = Field(
        default=None, foreign_key="escalationmessage.id", ondelete="SET NULL", index=True
    )
    # Set `outbox=row` on a new message: the flush that inserts both fills in `outbox_id`, so
    # the answer path keeps its one flush (the outbox row's id is unknown until then). Never
    # loaded: reading it in async code would be a lazy load, so it raises instead.
    outbox: OutboxMessage | None = Relationship(
        sa_relationship=relationship(OutboxMessage, lazy="raise")
    )


class InboundUpdate(SQLModel, table=True):
    """Telegram may deliver an update twice; its id is claimed here in the same transaction."""

    __table_args__ = (UniqueConstraint("channel", "update_id"),)

    id: int | None = Field(default=None, primary_key=True)
    channel: str = Field(max_length=20)
    update_id: int
    received_at: datetime = Field(sa_type=UTCDateTime)
