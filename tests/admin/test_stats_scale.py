"""The report's figures stay fast with a region's worth of youths (20,000), because they are
aggregated in SQL rather than row by row in Python."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import insert
from sqlmodel import col, select

from admin import stats
from bot.models import Answer, Conversation, ScheduledContact, Youth
from tests.admin import factories

pytestmark = pytest.mark.db

YOUTHS = 20_000
SENT = datetime(2026, 6, 2, 9, 0, tzinfo=UTC)
ACTIVITIES = ("werk", "school", "niks")


async def test_report_figures_for_twenty_thousand_youths(database, clock, world):
    schools = [world.school_a] + [
        await factories.school(database, world.region_a, f"School {n}") for n in range(9)
    ]
    now = clock.now()
    async with database.transaction() as session:
        await session.exec(
            insert(Youth),
            params=[
                {
                    "school_id": schools[n % len(schools)].id,
                    "student_number": f"S{n}",
                    "first_name": "Jongere",
                    "last_name": str(n),
                    "date_of_birth": date(2008, 1, 1),
                    "leaving_date": date(2024 + n % 3, 7, 1),
                    "profile": "arbeid",
                    "municipality": f"Gemeente {n % 25}",
                    "language": "nl",
                    "participation": "ja",
                    "representative_required": False,
                    "created_at": now,
                    "updated_at": now,
                }
                for n in range(YOUTHS)
            ],
        )
        youth_ids = [
            row
            for row in (
                await session.exec(
                    select(Youth.id).where(col(Youth.student_number).startswith("S"))
                )
            ).all()
        ]
        await session.exec(
            insert(ScheduledContact),
            params=[
                {
                    "youth_id": youth_id,
                    "key": "checkin:m3",
                    "kind": "checkin",
                    "series": "checkin",
                    "label": "m3",
                    "due_at": SENT,
                    "status": "sent",
                    "handled_at": SENT,
                }
                for youth_id in youth_ids
            ],
        )
        contact_of = {
            youth_id: contact_id
            for contact_id, youth_id in (
                await session.exec(
                    ScheduledContact.__table__.select().with_only_columns(  # type: ignore[attr-defined]
                        ScheduledContact.__table__.c.id,  # type: ignore[attr-defined]
                        ScheduledContact.__table__.c.youth_id,  # type: ignore[attr-defined]
                    )
                )
            ).all()
        }
        answering = youth_ids[::2]
        await session.exec(
            insert(Conversation),
            params=[
                {
                    "youth_id": youth_id,
                    "flow_id": "checkin",
                    "flow_version": 1,
                    "contact_id": contact_of[youth_id],
                    "status": "finished",
                    "state": {},
                    "started_at": SENT,
                    "updated_at": SENT,
                }
                for youth_id in answering
            ],
        )
        conversation_of = {
            youth_id: conversation_id
            for conversation_id, youth_id in (
                await session.exec(
                    Conversation.__table__.select().with_only_columns(  # type: ignore[attr-defined]
                        Conversation.__table__.c.id,  # type: ignore[attr-defined]
                        Conversation.__table__.c.youth_id,  # type: ignore[attr-defined]
                    )
                )
            ).all()
        }
        await session.exec(
            insert(Answer),
            params=[
                {
                    "youth_id": youth_id,
                    "conversation_id": conversation_of[youth_id],
                    "key": "activity",
                    "value": ACTIVITIES[n % 3],
                    "node_id": "q1",
                    "answered_at": SENT + timedelta(hours=1),
                }
                for n, youth_id in enumerate(answering)
            ],
        )

    async with database.session() as session:
        per_school = await stats.figures(session, world.coordinator_a, "school")
        per_town = await stats.figures(session, world.coordinator_a, "municipality")
        per_cohort = await stats.figures(session, world.coordinator_a, "cohort")
        overall = (await stats.figures(session, world.coordinator_a))[""]
        waves = await stats.waves(
            session, world.coordinator_a, database.dialect, "Europe/Amsterdam"
        )

    # Only that the figures add up at this size: speed belongs in bench/, not in unit tests.
    # youth_a (from the world) has no check-in: 20,001 youths, 20,000 with one, half answered.
    assert overall.youths == YOUTHS + 1
    assert (overall.with_checkin, overall.in_view) == (YOUTHS, YOUTHS // 2)
    assert (overall.checkins_sent, overall.checkins_answered) == (YOUTHS, YOUTHS // 2)
    assert sum(overall.activities.values()) == YOUTHS // 2
    assert len(per_school) == 10 and len(per_town) == 25 + 1  # youth_a lives in Tilburg
    assert set(per_cohort) == {"2024", "2025", "2026"}
    assert sum(f.youths for f in per_cohort.values()) == YOUTHS + 1
    assert [(w.month, w.sent, w.answered) for w in waves] == [("2026-06", YOUTHS, YOUTHS // 2)]
