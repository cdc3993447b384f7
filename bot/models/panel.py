"""Tables of the admin panel: server-side sessions, login attempts and password-setup links."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index
from sqlmodel import Field, SQLModel

from bot.models.youth import Youth
from bot.storage.types import UTCDateTime


class StaffSession(SQLModel, table=True):
    """A signed-in browser. Only the SHA-256 of the cookie value is stored, so a database leak
    does not hand out live sessions."""

    id: int | None = Field(default=None, primary_key=True)
    id_hash: str = Field(unique=True, max_length=64)
    staff_user_id: int = Field(foreign_key="staffuser.id", index=True)
    # "second_factor": password checked, TOTP still to do; "full": signed in.
    stage: str = Field(max_length=16)
    csrf_token: str = Field(max_length=64)
    # A TOTP secret being enrolled; copied to the account only after a correct code.
    pending_totp_secret: str | None = Field(default=None, max_length=64)
    client_address: str | None = Field(default=None, max_length=64)
    created_at: datetime = Field(sa_type=UTCDateTime)
    last_seen_at: datetime = Field(sa_type=UTCDateTime)
    ended_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    ended_reason: str | None = Field(default=None, max_length=20)


class LoginAttempt(SQLModel, table=True):
    """Every password or code check; throttling counts the failures in here."""

    __table_args__ = (
        Index("ix_loginattempt_account_attempted_at", "account", "attempted_at"),
        Index("ix_loginattempt_client_address_attempted_at", "client_address", "attempted_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    account: str = Field(max_length=254)  # the e-mail address as typed, lower-cased
    staff_user_id: int | None = Field(default=None, foreign_key="staffuser.id")
    client_address: str = Field(max_length=64)
    factor: str = Field(max_length=10)  # password|totp
    succeeded: bool
    # The TOTP time step a successful code used: a code is accepted only once.
    totp_counter: int | None = None
    attempted_at: datetime = Field(sa_type=UTCDateTime)


class PasswordSetupToken(SQLModel, table=True):
    """A single-use link to set (or reset) a password; only the token's hash is stored."""

    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(unique=True, max_length=64)
    staff_user_id: int = Field(foreign_key="staffuser.id", index=True)
    created_at: datetime = Field(sa_type=UTCDateTime)
    expires_at: datetime = Field(sa_type=UTCDateTime)
    used_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    revoked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


# The youth list sorts by name and searches by student number; with 20,000 youths these
# indexes keep a page at LIMIT/OFFSET cheap. Declared here because the panel is what needs them.
Index("ix_youth_last_name_first_name", Youth.last_name, Youth.first_name)
Index("ix_youth_student_number", Youth.student_number)
