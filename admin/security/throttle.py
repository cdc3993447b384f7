"""Login throttling: at most 10 failed checks per 15 minutes per account and per address.

Counted in the database, so it holds across processes and restarts. A refused attempt is not
recorded as a failure: the window then ends 15 minutes after the last real failure.
"""

from __future__ import annotations

from datetime import timedelta
from enum import StrEnum

from sqlalchemy import func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.clock import Clock
from bot.models import LoginAttempt

MAX_FAILURES = 10
WINDOW = timedelta(minutes=15)


class Factor(StrEnum):
    PASSWORD = "password"  # noqa: S105 - a factor name
    TOTP = "totp"


def normalise_account(email: str) -> str:
    return email.strip().lower()[:254]


async def is_throttled(
    session: AsyncSession, clock: Clock, *, account: str, client_address: str
) -> bool:
    since = clock.now() - WINDOW
    for column, value in (
        (LoginAttempt.account, normalise_account(account)),
        (LoginAttempt.client_address, client_address),
    ):
        failures = (
            await session.exec(
                select(func.count())
                .select_from(LoginAttempt)
                .where(
                    col(column) == value,
                    col(LoginAttempt.succeeded).is_(False),
                    col(LoginAttempt.attempted_at) > since,
                )
            )
        ).one()
        if failures >= MAX_FAILURES:
            return True
    return False


async def record_attempt(
    session: AsyncSession,
    clock: Clock,
    *,
    account: str,
    client_address: str,
    factor: Factor,
    succeeded: bool,
    staff_user_id: int | None,
    totp_counter: int | None = None,
) -> None:
    session.add(
        LoginAttempt(
            account=normalise_account(account),
            staff_user_id=staff_user_id,
            client_address=client_address[:64],
            factor=factor,
            succeeded=succeeded,
            totp_counter=totp_counter,
            attempted_at=clock.now(),
        )
    )
    await session.flush()


async def totp_counter_used(session: AsyncSession, staff_user_id: int, counter: int) -> bool:
    """True when this time step (or a later one) already signed this account in."""
    used = (
        await session.exec(
            select(func.count())
            .select_from(LoginAttempt)
            .where(
                col(LoginAttempt.staff_user_id) == staff_user_id,
                col(LoginAttempt.factor) == Factor.TOTP,
                col(LoginAttempt.succeeded).is_(True),
                col(LoginAttempt.totp_counter) >= counter,
            )
        )
    ).one()
    return used > 0
