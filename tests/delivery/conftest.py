"""Outbox test helpers: youths with consent, fake monotonic time, a recording channel."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

import pytest

from bot.channels.base import OutgoingMessage, SendOutcome
from bot.channels.memory import MemoryChannel
from bot.clock import ManualClock
from bot.delivery import Dispatcher, enqueue
from bot.models import ConsentEvent, Region, School, Youth
from bot.storage.db import Database


class FakeTime:
    """Monotonic time that only moves when the dispatcher sleeps; moves the wall clock along."""

    def __init__(self, clock: ManualClock) -> None:
        self.now = 0.0
        self.clock = clock
        self.sleeps: list[float] = []

    def monotonic(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds
        self.clock.advance(timedelta(seconds=seconds))
        await asyncio.sleep(0)


@dataclass
class Recorder:
    """A MemoryChannel responder that notes when each attempt started (fake monotonic time)."""

    time: FakeTime
    script: Callable[[OutgoingMessage, int], SendOutcome | None] | None = None
    attempts: list[tuple[float, int, str]] = field(default_factory=list)

    def __call__(self, message: OutgoingMessage) -> SendOutcome | None:
        self.attempts.append((self.time.now, message.chat_id, message.text))
        if self.script is None:
            return None
        tries = sum(1 for _, _, text in self.attempts if text == message.text)
        return self.script(message, tries)


@pytest.fixture
def fake_time(clock: ManualClock) -> FakeTime:
    return FakeTime(clock)


async def make_youths(
    database: Database,
    clock: ManualClock,
    count: int,
    *,
    consent: bool = True,
    date_of_birth: date = date(2008, 1, 1),
) -> list[Youth]:
    now = clock.now()
    async with database.transaction() as session:
        region = Region(name=f"Regio {now.timestamp()}")
        session.add(region)
        await session.flush()
        school = School(code=f"S{now.timestamp()}", name="School", type="pro", region_id=region.id)
        session.add(school)
        await session.flush()
        youths = [
            Youth(
                school_id=school.id,
                student_number=str(1000 + i),
                first_name="Test",
                date_of_birth=date_of_birth,
                leaving_date=date(2026, 7, 1),
                profile="arbeid",
                municipality="Tilburg",
                telegram_chat_id=5000 + i,
                created_at=now,
                updated_at=now,
            )
            for i in range(count)
        ]
        session.add_all(youths)
        await session.flush()
        if consent:
            for youth in youths:
                session.add(consent_event(youth.id, "granted", now - timedelta(days=1)))
    return youths


def consent_event(
    youth_id: int, action: str, at: datetime, given_by: str = "youth"
) -> ConsentEvent:
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


async def put(
    database: Database,
    clock: ManualClock,
    youth: Youth,
    text: str,
    **options: object,
) -> int:
    async with database.transaction() as session:
        row = await enqueue(
            session,
            OutgoingMessage(chat_id=youth.telegram_chat_id, text=text),
            youth_id=youth.id,
            now=clock.now(),
            **options,
        )
    return row.id


def dispatcher(
    database: Database,
    channel: MemoryChannel,
    clock: ManualClock,
    fake_time: FakeTime | None,
    **options: object,
) -> Dispatcher:
    """A dispatcher sending one message at a time on fake time (None: real asyncio time)."""
    settings: dict[str, object] = {
        "worker_id": "w1",
        "rate_per_second": 10.0,
        "per_chat_interval": 1.0,
        "max_in_flight": 1,
        "jitter": lambda: 0.0,
    }
    if fake_time is not None:
        settings.update(monotonic=fake_time.monotonic, sleep=fake_time.sleep)
    settings.update(options)
    return Dispatcher(database, channel, clock, **settings)
