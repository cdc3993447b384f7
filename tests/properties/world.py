"""A whole service in one object for property tests: router, tick, dispatcher, a ManualClock.

Hypothesis runs many examples; each gets a copy of a database migrated once (SQLite, a file
copy costs milliseconds) and its own event loop through `asyncio.run`. Everything a youth
receives goes through the MemoryChannel, which notes the moment of every send, so a property
can check each delivered message against the consent ledger at that moment.
"""

from __future__ import annotations

import asyncio
import shutil
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlmodel import select

from bot.channels.base import Delivered, IncomingEvent, OutgoingMessage, SendOutcome
from bot.channels.memory import MemoryChannel
from bot.clock import ManualClock
from bot.conversations.commands import Commands
from bot.conversations.plans import PlanSync
from bot.conversations.router import InboundRouter
from bot.conversations.runner import FlowRunner
from bot.delivery import Dispatcher
from bot.models import ConsentEvent, OutboxMessage, School, StaffUser, Youth
from bot.outreach.holds import human_conversation_open
from bot.outreach.tick import Outreach
from bot.scheduling import load_programmes
from bot.storage import migrate
from bot.storage.db import Database
from flows.loader import shipped_flows
from tests import factories
from tests.conversations.conftest import ZONE, RecordingWatchers

FLOWS = shipped_flows()
PROGRAMMES = load_programmes()
START = datetime(2026, 8, 20, 10, 0, tzinfo=ZONE)


def migrated_template(directory: Path) -> Path:
    """A migrated, empty SQLite file to copy for every example."""
    path = directory / "template.db"
    if not path.exists():

        async def make() -> None:
            database = Database(f"sqlite:///{path}")
            await migrate.upgrade(database)
            await database.dispose()

        asyncio.run(make())
    return path


@dataclass
class Sent:
    at: datetime
    message: OutgoingMessage
    channel_id: int


@dataclass
class World:
    database: Database
    clock: ManualClock
    router: InboundRouter
    outreach: Outreach
    dispatcher: Dispatcher
    channel: MemoryChannel
    watchers: RecordingWatchers
    sent: list[Sent] = field(default_factory=list)
    tokens: dict[int, str] = field(default_factory=dict)  # chat -> invitation token
    youth_of_chat: dict[int, int] = field(default_factory=dict)
    next_update: int = 1
    school_id: int | None = None
    pauses: list[tuple[datetime, int, date | None]] = field(default_factory=list)
    coordinator_id: int | None = None

    @classmethod
    def create(cls, template: Path, directory: Path, name: str) -> World:
        path = directory / f"{name}.db"
        shutil.copyfile(template, path)
        database = Database(f"sqlite:///{path}")
        clock = ManualClock(START)
        runner = FlowRunner(FLOWS, ZONE)
        watchers = RecordingWatchers()
        plans = PlanSync(programmes=PROGRAMMES, flows=FLOWS, zone=ZONE)
        router = InboundRouter(database, clock, runner, Commands(runner, plans, watchers), watchers)
        outreach = Outreach(database, clock, runner, plans, watchers)
        world: World
        counter = iter(range(1, 10**9))

        def respond(message: OutgoingMessage) -> SendOutcome:
            number = next(counter)
            world.sent.append(Sent(clock.now(), message, number))
            return Delivered(message_id=number)

        channel = MemoryChannel(respond)
        dispatcher = Dispatcher(
            database,
            channel,
            clock,
            worker_id="property",
            rate_per_second=10_000.0,
            per_chat_interval=0.0,
            hold_check=human_conversation_open,
        )
        world = cls(database, clock, router, outreach, dispatcher, channel, watchers)
        return world

    # -- the outside world ----------------------------------------------------------------------

    async def import_youth(self, chat: int, *, leaving_date: date = date(2026, 7, 1)) -> int:
        """A new row in the cohort, with an invitation card for `chat` to use."""
        now = self.clock.now()
        async with self.database.transaction() as session:
            if self.school_id is None:
                region = await factories.region(session)
                school = await factories.school(session, region)
                coordinator = await factories.coordinator(session, now, region)
                self.school_id, self.coordinator_id = school.id, coordinator.id
            school = await session.get(School, self.school_id)
            coordinator = await session.get(StaffUser, self.coordinator_id)
            youth = await factories.youth(
                session,
                now,
                school,
                coordinator_row=coordinator,
                student_number=str(chat),
                leaving_date=leaving_date,
            )
            self.tokens[chat] = await factories.invitation(session, now, youth_row=youth)
            self.youth_of_chat[chat] = youth.id  # type: ignore[assignment]
        return youth.id  # type: ignore[return-value]

    async def event(self, chat: int, kind: str, **fields: Any) -> None:
        self.next_update += 1
        await self.router.handle(
            IncomingEvent(
                channel="telegram",
                update_id=self.next_update,
                chat_id=chat,
                user_id=chat,
                kind=kind,  # type: ignore[arg-type]
                **fields,
            )
        )

    async def set_pause(self, chat: int, days: int | None) -> None:
        youth_id = self.youth_of_chat[chat]
        async with self.database.transaction() as session:
            youth = await session.get(Youth, youth_id)
            assert youth is not None
            today = self.clock.now().astimezone(ZONE).date()
            youth.paused_until = None if days is None else today + timedelta(days=days)
            session.add(youth)
        self.pauses.append((self.clock.now(), youth_id, youth.paused_until))

    def paused_until_at(self, youth_id: int, moment: datetime) -> date | None:
        """The pause as set (by this world) at `moment`."""
        current = None
        for at, who, until in self.pauses:
            if who == youth_id and at <= moment:
                current = until
        return current

    async def tick(self) -> None:
        await self.outreach.tick()

    async def drain(self) -> None:
        await self.dispatcher.drain()

    # -- reading --------------------------------------------------------------------------------

    async def outbox(self) -> list[OutboxMessage]:
        async with self.database.session() as session:
            return list((await session.exec(select(OutboxMessage))).all())

    async def ledger(self) -> list[ConsentEvent]:
        async with self.database.session() as session:
            return list((await session.exec(select(ConsentEvent))).all())

    def last_buttons(self, chat: int) -> list[str]:
        for sent in reversed(self.sent):
            if sent.message.chat_id == chat and sent.message.buttons:
                return [b.data for row in sent.message.buttons for b in row]
        return []

    async def close(self) -> None:
        await self.database.dispose()
