"""Young people, their invitations and their chat links."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from bot.privacy.crypto import EncryptedText
from bot.storage.types import UTCDateTime


class Youth(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("school_id", "student_number"),)

    id: int | None = Field(default=None, primary_key=True)
    school_id: int = Field(foreign_key="school.id", index=True)
    student_number: str = Field(max_length=40)
    first_name: str = Field(max_length=120)
    last_name: str | None = Field(default=None, max_length=120)
    date_of_birth: date
    leaving_date: date = Field(index=True)
    profile: str = Field(max_length=20)  # Profile
    municipality: str = Field(max_length=120, index=True)
    language: str = Field(default="nl", max_length=8)
    participation: str = Field(default="onbekend", max_length=10)  # Participation
    coordinator_id: int | None = Field(default=None, foreign_key="staffuser.id", index=True)
    programme_id: str | None = Field(default=None, max_length=60)
    # Curatele or mentorschap: a representative must consent, whatever the age (UAVG art. 5).
    representative_required: bool = False
    telegram_user_id: int | None = Field(default=None, unique=True)
    telegram_chat_id: int | None = Field(default=None, unique=True)
    unreachable_since: datetime | None = Field(default=None, sa_type=UTCDateTime)
    paused_until: date | None = None
    # Free text a person typed: encrypted at rest.
    pause_reason: str | None = Field(default=None, sa_type=EncryptedText(max_chars=500))
    created_at: datetime = Field(sa_type=UTCDateTime)
    updated_at: datetime = Field(sa_type=UTCDateTime)


class Invitation(SQLModel, table=True):
    """A single-use deep-link token; only its hash is stored."""

    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(unique=True, max_length=64)
    youth_id: int | None = Field(default=None, foreign_key="youth.id", index=True)
    staff_user_id: int | None = Field(default=None, foreign_key="staffuser.id", index=True)
    created_at: datetime = Field(sa_type=UTCDateTime)
    expires_at: datetime = Field(sa_type=UTCDateTime)
    used_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    revoked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
