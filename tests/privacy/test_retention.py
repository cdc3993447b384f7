"""Retention: erased on the first Amsterdam day after term end + INBEELD_RETENTION_MONTHS."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

import pytest
from sqlmodel import select

from bot.clock import ManualClock
from bot.config import load_settings
from bot.models import AuditEvent, Youth
from bot.privacy.erasure import ERASED_EVENT
from bot.privacy.retention import due_for_erasure, erase_after, retention_sweep
from bot.scheduling import DEFAULT_PROGRAMME_ID, load_programmes
from bot.storage.db import Database
from tests import factories
from tests.privacy.world import populate

pytestmark = pytest.mark.db

PROGRAMMES = load_programmes()


def test_the_deadline_is_term_end_plus_the_retention_months():
    klas_van = PROGRAMMES["klas-van"]  # 12 months
    assert klas_van.duration_months == 12
    assert erase_after(klas_van, date(2024, 7, 1), 12) == date(2026, 7, 1)
    assert erase_after(PROGRAMMES["drie-per-jaar"], date(2024, 7, 1), 12) == date(2027, 7, 1)
    assert erase_after(klas_van, date(2024, 8, 31), 6) == date(2026, 2, 28)


def test_the_setting_defaults_to_twelve_months_and_refuses_nonsense(monkeypatch):
    monkeypatch.delenv("INBEELD_RETENTION_MONTHS", raising=False)
    assert load_settings().retention_months == 12
    from bot.config import SettingsError

    with pytest.raises(SettingsError, match="INBEELD_RETENTION_MONTHS"):
        load_settings(retention_months=0)


async def _cohort(database: Database, now: datetime):
    """Three leavers of 2024-07-01 on the default 12-month programme, one on a 24-month one,
    and one who left a year later."""
    async with database.transaction() as session:
        region = await factories.region(session)
        school = await factories.school(session, region)
        people = {}
        for number, name, left in (
            ("1", "Amira", date(2024, 7, 1)),
            ("2", "Bas", date(2024, 7, 1)),
            ("3", "Chris", date(2025, 7, 1)),
            ("4", "Dewi", date(2024, 7, 1)),
        ):
            people[name] = await populate(
                session,
                now,
                school,
                first_name=name,
                student_number=number,
                chat_id=800 + int(number),
                leaving_date=left,
            )
        people["Dewi"].youth.programme_id = "drie-per-jaar"  # 24 months
    return {name: person.youth.id for name, person in people.items()}


async def _left(database: Database) -> set[str]:
    async with database.session() as session:
        return set((await session.exec(select(Youth.first_name))).all())


async def test_the_sweep_erases_exactly_those_past_their_deadline(database: Database):
    assert DEFAULT_PROGRAMME_ID == "klas-van"
    clock = ManualClock(datetime(2026, 6, 30, 21, 59, tzinfo=UTC))  # 23:59 in Amsterdam
    await _cohort(database, clock.now())

    assert await retention_sweep(database, clock, PROGRAMMES) == 0
    assert await _left(database) == {"Amira", "Bas", "Chris", "Dewi"}

    clock.set(datetime(2026, 6, 30, 22, 0, tzinfo=UTC))  # 1 July 00:00 in Amsterdam
    assert await retention_sweep(database, clock, PROGRAMMES) == 2
    assert await _left(database) == {"Chris", "Dewi"}
    assert await retention_sweep(database, clock, PROGRAMMES) == 0

    clock.set(datetime(2027, 7, 1, 8, 0, tzinfo=UTC))
    assert await retention_sweep(database, clock, PROGRAMMES) == 2
    assert await _left(database) == set()

    async with database.session() as session:
        events = (
            await session.exec(select(AuditEvent).where(AuditEvent.action == ERASED_EVENT))
        ).all()
    assert len(events) == 4
    assert {json.loads(e.detail)["reason"] for e in events} == {"retention"}
    assert all(e.youth_id is None and e.actor_id is None for e in events)


async def test_months_and_limit_are_honoured(database: Database):
    clock = ManualClock(datetime(2026, 1, 2, 8, 0, tzinfo=UTC))
    await _cohort(database, clock.now())
    # 2024-07-01 + 12 (programme) + 6 = 2026-01-01: the 12-month leavers are due with 6 months
    today = date(2026, 1, 2)
    assert len(await due_for_erasure(database, PROGRAMMES, today, months=6)) == 2
    assert await due_for_erasure(database, PROGRAMMES, today, months=12) == []
    assert await retention_sweep(database, clock, PROGRAMMES, months=6, limit=1) == 1
    assert await retention_sweep(database, clock, PROGRAMMES, months=6, limit=1) == 1
    assert await retention_sweep(database, clock, PROGRAMMES, months=6, limit=1) == 0
    assert await _left(database) == {"Chris", "Dewi"}


async def test_a_youth_erased_meanwhile_is_skipped(database: Database, monkeypatch):
    clock = ManualClock(datetime(2026, 7, 2, 8, 0, tzinfo=UTC))
    ids = await _cohort(database, clock.now())
    import bot.privacy.retention as retention

    async def stale_list(*_args, **_kwargs):
        return [ids["Amira"], 999_999, ids["Bas"]]

    monkeypatch.setattr(retention, "due_for_erasure", stale_list)
    assert await retention_sweep(database, clock, PROGRAMMES) == 2
