"""`signals_for`: a youth's signals for the timeline, with the trend over two 90-day windows."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.models import Signal
from bot.watchers import signals_for
from tests import factories

pytestmark = pytest.mark.db


async def _youth_with_signals(database, clock, ages_in_days, severity="attention"):
    now = clock.now()
    async with database.transaction() as session:
        region = await factories.region(session)
        school = await factories.school(session, region)
        youth = await factories.youth(session, now, school)
        for i, days in enumerate(ages_in_days):
            session.add(
                Signal(
                    youth_id=youth.id,
                    rule_id="stemming_laag",
                    severity=severity,
                    source_key=f"stemming_laag:checkin:{i}",
                    reason={"description": "Voelt zich slecht.", "since": None, "evidence": []},
                    fired_at=now - timedelta(days=days),
                )
            )
    return youth.id


@pytest.mark.parametrize(
    ("ages", "trend", "recent", "earlier"),
    [
        ([10, 20, 100], "rising", 2, 1),
        ([10, 100, 120], "falling", 1, 2),
        ([10, 100], "steady", 1, 1),
        ([400], "none", 0, 0),
    ],
)
async def test_trend_compares_the_last_90_days_with_the_90_before(
    database, clock, ages, trend, recent, earlier
):
    youth_id = await _youth_with_signals(database, clock, ages)
    async with database.session() as session:
        timeline = await signals_for(session, youth_id, now=clock.now())
    assert (timeline.trend, timeline.recent, timeline.earlier) == (trend, recent, earlier)
    assert [s.fired_at for s in timeline.signals] == sorted(s.fired_at for s in timeline.signals)
    assert sum(count for _, count in timeline.by_month) == len(ages)


async def test_info_signals_do_not_make_a_trend(database, clock):
    youth_id = await _youth_with_signals(database, clock, [1, 2, 3], severity="info")
    async with database.session() as session:
        timeline = await signals_for(session, youth_id, now=clock.now())
    assert timeline.trend == "none" and len(timeline.signals) == 3


async def test_a_youth_without_signals_has_an_empty_timeline(database, clock):
    async with database.session() as session:
        timeline = await signals_for(session, 12345)
    assert timeline.signals == () and timeline.trend == "none"
