"""Server-side sessions: the cookie holds a random id, the database holds its hash.

A new id is issued at every privilege change (password accepted, second factor accepted), so
an id planted before login is worthless. Sessions end at logout, when the account is disabled,
after 30 minutes idle and 12 hours after they began.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum

from sqlmodel import col, select, update
from sqlmodel.ext.asyncio.session import AsyncSession

from admin.security.tokens import new_token, token_hash
from bot.clock import Clock
from bot.config import Settings
from bot.models import StaffSession, StaffUser

IDLE_TIMEOUT = timedelta(minutes=30)
ABSOLUTE_TIMEOUT = timedelta(hours=12)
# Writing last_seen_at on every click costs a write per page; a minute of slack is harmless.
_TOUCH_AFTER = timedelta(minutes=1)


class Stage(StrEnum):
    SECOND_FACTOR = "second_factor"
    FULL = "full"


class EndReason(StrEnum):
    LOGOUT = "logout"
    ROTATED = "rotated"
    IDLE = "idle"
    EXPIRED = "expired"
    DISABLED = "disabled"
    PASSWORD_RESET = "password_reset"  # noqa: S105 - a reason, not a secret


@dataclass(frozen=True)
class ActiveSession:
    record: StaffSession
    user: StaffUser

    @property
    def is_full(self) -> bool:
        return self.record.stage == Stage.FULL


def cookie_secure(settings: Settings) -> bool:
    """Secure cookies everywhere except the localhost demo over plain http."""
    if settings.public_url and settings.public_url.startswith("https://"):
        return True
    return not _is_loopback(settings.admin_host)


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def cookie_name(secure: bool) -> str:
    # __Host- makes the browser refuse the cookie unless Secure, path=/ and no Domain.
    return "__Host-inbeeld" if secure else "inbeeld"


async def start_session(
    session: AsyncSession,
    clock: Clock,
    user: StaffUser,
    stage: Stage,
    *,
    client_address: str | None,
    pending_totp_secret: str | None = None,
) -> tuple[str, StaffSession]:
    """Create a session; return the raw id for the cookie (never stored) and the row."""
    assert user.id is not None
    raw = new_token()
    now = clock.now()
    record = StaffSession(
        id_hash=token_hash(raw),
        staff_user_id=user.id,
        stage=stage,
        csrf_token=new_token(),
        pending_totp_secret=pending_totp_secret,
        client_address=client_address,
        created_at=now,
        last_seen_at=now,
    )
    session.add(record)
    await session.flush()
    return raw, record


async def load_session(session: AsyncSession, clock: Clock, raw_id: str) -> ActiveSession | None:
    """The live session for a cookie value, or None. Ends sessions found expired."""
    row = (
        await session.exec(
            select(StaffSession, StaffUser)
            .join(StaffUser, col(StaffUser.id) == col(StaffSession.staff_user_id))
            .where(StaffSession.id_hash == token_hash(raw_id))
        )
    ).first()
    if row is None:
        return None
    record, user = row
    if record.ended_at is not None:
        return None
    now = clock.now()
    reason = None
    if user.disabled_at is not None:
        reason = EndReason.DISABLED
    elif now - record.created_at >= ABSOLUTE_TIMEOUT:
        reason = EndReason.EXPIRED
    elif now - record.last_seen_at >= IDLE_TIMEOUT:
        reason = EndReason.IDLE
    if reason is not None:
        record.ended_at = now
        record.ended_reason = reason
        session.add(record)
        return None
    if now - record.last_seen_at >= _TOUCH_AFTER:
        record.last_seen_at = now
        session.add(record)
    return ActiveSession(record=record, user=user)


async def end_session(
    session: AsyncSession, clock: Clock, record: StaffSession, reason: EndReason
) -> None:
    record.ended_at = clock.now()
    record.ended_reason = reason
    session.add(record)
    await session.flush()


async def end_all_sessions(
    session: AsyncSession, clock: Clock, user_id: int, reason: EndReason
) -> int:
    """End every live session of an account (disabled, password reset); returns how many."""
    result = await session.exec(
        update(StaffSession)
        .where(col(StaffSession.staff_user_id) == user_id, col(StaffSession.ended_at).is_(None))
        .values(ended_at=clock.now(), ended_reason=reason)
    )
    return result.rowcount or 0
