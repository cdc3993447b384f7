"""Regions, schools and staff (admins, coordinators, school users)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, ForeignKey, Integer
from sqlmodel import Field, SQLModel

from bot.storage.types import UTCDateTime


class Region(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(unique=True, max_length=120)
    # Whether school users may read check-in answers (default: no; the region decides).
    schools_see_answers: bool = False


class School(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(unique=True, index=True, max_length=40)
    name: str = Field(max_length=200)
    type: str = Field(max_length=8)  # SchoolType
    region_id: int = Field(foreign_key="region.id", index=True)
    # Re-offers go out "actief en persoonlijk": in the name of this person.
    contact_name: str | None = Field(default=None, max_length=120)
    # use_alter breaks the school <-> staffuser cycle so both tables can be created.
    default_coordinator_id: int | None = Field(
        default=None,
        sa_column=Column(
            Integer,
            ForeignKey("staffuser.id", use_alter=True, name="fk_school_default_coordinator_id"),
            nullable=True,
        ),
    )
    programme_id: str | None = Field(default=None, max_length=60)


class StaffUser(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    email: str = Field(unique=True, index=True, max_length=254)
    name: str = Field(max_length=120)
    role: str = Field(max_length=16)  # Role
    school_id: int | None = Field(default=None, foreign_key="school.id", index=True)
    region_id: int | None = Field(default=None, foreign_key="region.id", index=True)
    backup_id: int | None = Field(default=None, foreign_key="staffuser.id")
    telegram_chat_id: int | None = Field(default=None, unique=True)
    language: str = Field(default="nl", max_length=8)
    password_hash: str | None = Field(default=None, max_length=255)
    totp_secret: str | None = Field(default=None, max_length=255)
    disabled_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_at: datetime = Field(sa_type=UTCDateTime)
