from __future__ import annotations

from datetime import date, timedelta

import pytest

from bot.consent import has_active_consent
from bot.models import ConsentEvent, Region, School, Youth

pytestmark = pytest.mark.db


async def make_youths(database, clock, count, consent=False):
    assert not consent
    now = clock.now()
    async with database.transaction() as session:
        region = Region(name="Regio")
        session.add(region)
        await session.flush()
        school = School(code="S1", name="School", type="pro", region_id=region.id)
        session.add(school)
        await session.flush()
        youths = [
            Youth(
                school_id=school.id,
                student_number=str(i),
                first_name="Test",
                date_of_birth=date(2006, 1, 1),
                leaving_date=date(2026, 7, 1),
                profile="arbeid",
                municipality="Tilburg",
                created_at=now,
                updated_at=now,
            )
            for i in range(count)
        ]
        session.add_all(youths)
    return youths


def consent_event(youth_id, action, at, given_by="youth"):
    return ConsentEvent(
        youth_id=youth_id,
        purpose="checkins",
        action=action,
        given_by=given_by,
        text_version="v1",
        text_sha256="0" * 64,
        channel="telegram",
        recorded_at=at,
    )


async def test_has_active_consent_reads_the_ledger(database, clock):
    adult, child = await make_youths(database, clock, 2, consent=False)
    async with database.transaction() as session:
        (await session.get(Youth, child.id)).date_of_birth = date(2012, 1, 1)
    async with database.session() as session:
        assert not await has_active_consent(session, adult.id)

    async with database.transaction() as session:
        session.add(consent_event(adult.id, "granted", clock.now()))
        session.add(consent_event(child.id, "granted", clock.now()))
    async with database.session() as session:
        assert await has_active_consent(session, adult.id)
        assert not await has_active_consent(session, child.id)  # 14: a parent must consent
        assert not await has_active_consent(session, adult.id, "statistics")
        assert not await has_active_consent(session, 999_999)

    async with database.transaction() as session:
        session.add(consent_event(adult.id, "withdrawn", clock.now() + timedelta(minutes=1)))
        session.add(consent_event(child.id, "granted", clock.now(), given_by="representative"))
    async with database.session() as session:
        assert not await has_active_consent(session, adult.id)
        assert await has_active_consent(session, child.id)
