"""The process down for 30 days: the first tick after sends at most one contact per youth.

200 linked, consenting youths on a monthly programme, leaving dates spread so that the outage
swallows one, two or three contacts of each (check-ins, and the reminders and silence checks of
the check-in sent just before). With an injected clock the service ticks, stops for 30 days,
and ticks again: no stale burst, every older contact skipped with a reason a person can read.

Figures: `FAULTS_REPORT=1 pytest -s tests/faults/test_thirty_days_down.py`.
"""

from __future__ import annotations

import os
from collections import Counter
from datetime import date, datetime, time, timedelta

import pytest
from sqlmodel import select

from bot.clock import ManualClock
from bot.models import ConsentEvent, Region, ScheduledContact, School, Youth
from bot.scheduling import load_programmes, parse_programme
from bot.storage.db import Database
from tests.outreach.conftest import at_local, make_env

pytestmark = [pytest.mark.slow]  # SQLite only: the PostgreSQL pass adds nothing here but time

YOUTHS = 200
CHAT_BASE = 700_000
MONTHLY = parse_programme(
    "id: maandelijks\nname: Elke maand\nduration_months: 6\ncontact_months: [1, 2, 3, 4, 5, 6]\n",
    "test",
)
START = date(2027, 2, 20)  # import and onboarding; the first month is due around now
LAST_TICK = at_local(date(2027, 3, 10), time(12))  # the last tick before the outage
OUTAGE = timedelta(days=30)
YOUTH_FACING = frozenset({"checkin", "reminder", "reoffer", "invitation"})


async def cohort(database: Database, now: datetime) -> None:
    async with database.transaction() as session:
        region = Region(name="Regio")
        session.add(region)
        await session.flush()
        school = School(code="MAAND", name="School", type="pro", region_id=region.id)
        school.programme_id = "maandelijks"
        session.add(school)
        await session.flush()
        youths = [
            Youth(
                school_id=school.id,
                student_number=str(i),
                first_name="Test",
                date_of_birth=date(2008, 1, 1),
                # Leaving dates over two months: the outage covers different contacts per youth.
                leaving_date=date(2026, 12, 20) + timedelta(days=i % 60),
                profile="arbeid",
                municipality="Tilburg",
                participation="ja",
                telegram_user_id=CHAT_BASE + i,
                telegram_chat_id=CHAT_BASE + i,
                created_at=now,
                updated_at=now,
            )
            for i in range(YOUTHS)
        ]
        session.add_all(youths)
        await session.flush()
        session.add_all(
            ConsentEvent(
                youth_id=y.id,
                purpose="checkins",
                action="granted",
                given_by="youth",
                text_version="v1",
                text_sha256="0" * 64,
                channel="telegram",
                recorded_at=now,
            )
            for y in youths
        )


async def contacts(database: Database) -> list[ScheduledContact]:
    async with database.session() as session:
        return list((await session.exec(select(ScheduledContact))).all())


async def test_the_first_tick_after_30_days_down_sends_one_contact_per_youth(
    database: Database, clock: ManualClock
) -> None:
    env = make_env(database, clock, {**load_programmes(), "maandelijks": MONTHLY})
    clock.set(at_local(START, time(12)))
    await cohort(database, clock.now())
    async with database.transaction() as session:
        for youth in (await session.exec(select(Youth))).all():
            await env.plans.sync(session, youth, clock.now())
    # Run until the outage, ticking every third day (a tick a day only costs test time).
    day = START
    while day <= LAST_TICK.date():
        clock.set(at_local(day, time(12)))
        await env.step()
        day += timedelta(days=3)
    clock.set(LAST_TICK)
    await env.step()
    before = {c.id: c.status for c in await contacts(database)}

    clock.advance(OUTAGE)
    delivered_before = len(env.delivered)
    report = await env.outreach.tick()
    await env.drain()
    after = await contacts(database)

    acted = [c for c in after if before.get(c.id) == "planned" and c.status != "planned"]
    missed = Counter(c.youth_id for c in acted)
    # Youth-facing contacts; a silence check that came due meanwhile goes to the coordinator.
    sent = Counter(c.youth_id for c in acted if c.status == "sent" and c.kind in YOUTH_FACING)
    staff = Counter(c.kind for c in acted if c.status == "sent" and c.kind not in YOUTH_FACING)
    skipped = Counter(c.reason for c in acted if c.status == "skipped")
    chats = Counter(m.chat_id for m in env.delivered[delivered_before:])
    greetings = Counter(
        m.chat_id for m in env.delivered[delivered_before:] if "Hier is School weer" in m.text
    )
    figures = {
        "youths": YOUTHS,
        "outage_days": OUTAGE.days,
        "youths_with_2plus_missed": sum(1 for n in missed.values() if n >= 2),
        "missed_contacts": len(acted),
        "youth_contacts_sent": sum(sent.values()),
        "max_sent_per_youth": max(sent.values(), default=0),
        "staff_facing_sent": dict(staff),
        "skipped_by_reason": dict(skipped),
        "check_in_greetings_max_per_chat": max(greetings.values(), default=0),
        "tick": dict(report.outcomes),
    }
    if os.environ.get("FAULTS_REPORT"):
        print("\n30 days down:", figures)

    assert figures["youths_with_2plus_missed"] >= YOUTHS // 2, "the outage must swallow several"
    assert max(sent.values()) == 1, "at most one contact per youth after the outage"
    assert len(sent) >= YOUTHS * 0.9, "nearly every youth gets its latest contact"
    assert max(greetings.values()) == 1 and len(chats) == len(greetings)
    assert all(reason and reason.startswith("overgeslagen") for reason in skipped), skipped
    assert sum(skipped.values()) + sum(sent.values()) + sum(staff.values()) == len(acted)
    assert set(staff) <= {"silence_check"}, staff

    await env.step()
    assert len(env.delivered) == delivered_before + sum(chats.values()), "no burst a tick later"
