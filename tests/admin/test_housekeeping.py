from datetime import timedelta

import pytest
from sqlalchemy import func
from sqlmodel import select

from admin.accounts import issue_password_setup
from admin.housekeeping import purge_panel_records
from admin.security.throttle import Factor, record_attempt
from bot.models import LoginAttempt, PasswordSetupToken, Role, StaffSession
from tests.admin import factories

pytestmark = pytest.mark.db


async def counts(database):
    async with database.session() as session:
        return [
            (await session.exec(select(func.count()).select_from(table))).one()
            for table in (StaffSession, LoginAttempt, PasswordSetupToken)
        ]


async def test_old_panel_records_are_purged_and_recent_ones_kept(database, clock):
    user = await factories.staff(database, clock, Role.ADMIN)
    await factories.signed_in_cookie(database, clock, user)
    await issue_password_setup(database, user, clock)
    async with database.transaction() as session:
        await record_attempt(
            session,
            clock,
            account=user.email,
            client_address="10.0.0.1",
            factor=Factor.PASSWORD,
            succeeded=False,
            staff_user_id=user.id,
        )
    clock.advance(timedelta(days=10))
    await factories.signed_in_cookie(database, clock, user)
    assert await counts(database) == [2, 1, 1]

    purged = await purge_panel_records(database, clock)
    assert (purged.sessions, purged.login_attempts, purged.setup_links) == (0, 0, 0)

    clock.advance(timedelta(days=25))
    purged = await purge_panel_records(database, clock)
    assert (purged.sessions, purged.login_attempts, purged.setup_links) == (1, 1, 1)
    assert await counts(database) == [1, 0, 0]
