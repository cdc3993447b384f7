"""The consent ledger: append-only; current consent is derived from it, never stored beside it."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlmodel import Field, SQLModel

from bot.storage.types import UTCDateTime


class Purpose(StrEnum):
    CHECKINS = "checkins"
    SHARE_WITH_MUNICIPALITY = "share_with_municipality"
    STATISTICS = "statistics"


class ConsentAction(StrEnum):
    GRANTED = "granted"
    WITHDRAWN = "withdrawn"
    # The offer was made and refused; counts like a withdrawal and is the school's evidence.
    DECLINED = "declined"


class GivenBy(StrEnum):
    YOUTH = "youth"
    REPRESENTATIVE = "representative"
    STAFF = "staff"


class ConsentEvent(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    youth_id: int = Field(foreign_key="youth.id", index=True)
    purpose: str = Field(max_length=40)
    action: str = Field(max_length=10)
    given_by: str = Field(max_length=16)
    representative_name: str | None = Field(default=None, max_length=120)
    representative_relation: str | None = Field(default=None, max_length=60)
    staff_user_id: int | None = Field(default=None, foreign_key="staffuser.id")
    text_version: str = Field(max_length=40)
    text_sha256: str = Field(max_length=64)
    channel: str = Field(max_length=20)
    recorded_at: datetime = Field(sa_type=UTCDateTime, index=True)
