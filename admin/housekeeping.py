"""Removes panel records nobody needs any more, so the tables stay small. Domain code: the
service's scheduler calls `purge_panel_records` (say, daily)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import delete, or_
from sqlmodel import col

from admin.security.sessions import ABSOLUTE_TIMEOUT
from admin.security.throttle import WINDOW
from bot.clock import Clock
from bot.models import LoginAttempt, PasswordSetupToken, StaffSession
from bot.storage.db import Database

# Kept a while after they stop mattering, to investigate an incident.
KEEP_ENDED_SESSIONS = timedelta(days=30)
KEEP_LOGIN_ATTEMPTS = timedelta(days=30)
KEEP_SETUP_LINKS = timedelta(days=30)


@dataclass(frozen=True)
class Purged:
    sessions: int
    login_attempts: int
    setup_links: int


async def purge_panel_records(database: Database, clock: Clock) -> Purged:
    now = clock.now()
    session_cutoff = now - max(KEEP_ENDED_SESSIONS, ABSOLUTE_TIMEOUT)
    # Throttling looks back WINDOW, TOTP replay protection one time step: both far shorter.
    attempt_cutoff = now - max(KEEP_LOGIN_ATTEMPTS, WINDOW)
    async with database.transaction() as session:
        sessions = await session.exec(
            delete(StaffSession).where(col(StaffSession.created_at) < session_cutoff)
        )
        attempts = await session.exec(
            delete(LoginAttempt).where(col(LoginAttempt.attempted_at) < attempt_cutoff)
        )
        links = await session.exec(
            delete(PasswordSetupToken).where(
                or_(
                    col(PasswordSetupToken.expires_at) < now - KEEP_SETUP_LINKS,
                    col(PasswordSetupToken.used_at) < now - KEEP_SETUP_LINKS,
                )
            )
        )
    return Purged(sessions.rowcount or 0, attempts.rowcount or 0, links.rowcount or 0)
