"""The audit log: who viewed or changed what, append-only and hash-chained (NEN 7513 style)."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

import bot.models.base  # noqa: F401  (sets the naming convention before this table exists)
from bot.storage.types import UTCDateTime


class AuditEvent(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    occurred_at: datetime = Field(sa_type=UTCDateTime, index=True)
    # No foreign keys on purpose: the log must outlive erased youths and removed accounts.
    actor_id: int | None = Field(default=None, index=True)
    action: str = Field(max_length=40)
    youth_id: int | None = Field(default=None, index=True)
    target_user_id: int | None = None
    client_address: str | None = Field(default=None, max_length=64)
    detail: str = Field(default="{}", max_length=2000)  # canonical JSON
    # Unique: two writers that raced for the same predecessor cannot both commit (no fork).
    prev_hash: str = Field(unique=True, max_length=64)
    hash: str = Field(unique=True, max_length=64)
