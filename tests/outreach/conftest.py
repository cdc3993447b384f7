"""The check-in engine end to end: router (onboarding, answers), tick, dispatcher, MemoryChannel."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

import pytest
from sqlmodel import col, select

from bot.channels.base import IncomingEvent
from bot.channels.memory import MemoryChannel
from bot.clock import ManualClock
from bot.conversations.commands import Commands
from bot.conversations.plans import PlanSync
from bot.conversations.router import InboundRouter
from bot.conversations.runner import FlowRunner
from bot.delivery import Dispatcher
from bot.models import Conversation, OutboxMessage, ScheduledContact
from bot.outreach.holds import human_conversation_open
from bot.outreach.tick import Outreach, TickReport
from bot.scheduling import Programme, load_programmes
from bot.storage.db import Database
from flows import callback
from flows.loader import shipped_flows
from tests import factories
from tests.conversations.conftest import ZONE, RecordingWatchers

# Onboarding happens before the first contact of every template (leaving 1 July 2026).
START = datetime(2026, 8, 20, 12, 0, tzinfo=ZONE)


@dataclass
class Delivered:
    at: datetime
    chat_id: int
    text: str


@dataclass
class Env:
    database: Database
    clock: ManualClock
    router: InboundRouter
    runner: FlowRunner
    plans: PlanSync
    watchers: RecordingWatchers
    outreach: Outreach
    channel: MemoryChannel
    dispatcher: Dispatcher
    delivered: list[Delivered] = field(default_factory=list)
    reports: list[TickReport] = field(default_factory=list)
    next_update: int = 1000

    @property
    def programmes(self) -> Mapping[str, Programme]:
        return self.plans.programmes

    async def send(self, chat_id: int, kind: str, **fields: object) -> None:
        self.next_update += 1
        event = IncomingEvent(
            channel="test",
            update_id=self.next_update,
            chat_id=chat_id,
            user_id=chat_id,
            kind=kind,
            **fields,  # type: ignore[arg-type]
        )
        await self.router.handle(event)

    async def drain(self) -> list[Delivered]:
        before = len(self.channel.sent)
        await self.dispatcher.drain()
        now = self.clock.now()
        new = [Delivered(now, m.chat_id, m.text) for m in self.channel.sent[before:]]
        self.delivered += new
        return new

    async def step(self) -> list[Delivered]:
        """One tick of the service, then everything it queued goes out."""
        self.reports.append(await self.outreach.tick())
        return await self.drain()

    async def seed(
        self,
        *,
        programme: str | None = None,
        student_number: str = "1001",
        school_code: str = "PRO-TLB",
        **youth_fields: object,
    ) -> tuple[int, str]:
        now = self.clock.now()
        async with self.database.transaction() as session:
            region = await factories.region(session, name=f"Regio {school_code}")
            school = await factories.school(session, region, code=school_code)
            school.programme_id = programme
            session.add(school)
            coordinator = await factories.coordinator(
                session, now, region, email=f"c-{school_code}@example.nl"
            )
            youth = await factories.youth(
                session,
                now,
                school,
                coordinator_row=coordinator,
                student_number=student_number,
                **youth_fields,  # type: ignore[arg-type]
            )
            token = await factories.invitation(session, now, youth_row=youth)
        return youth.id, token  # type: ignore[return-value]

    async def onboard(
        self, chat_id: int, *, agree: bool = True, programme: str | None = None, **fields: object
    ) -> int:
        """Import a youth, then /start and the consent button through the router."""
        youth_id, token = await self.seed(programme=programme, **fields)
        await self.send(chat_id, "command", command="start", args=(token,))
        label = "Ja, dat is goed" if agree else "Nee, liever niet"
        await self.send(chat_id, "button", button_data=await self.button(chat_id, label))
        await self.drain()
        return youth_id

    async def outbox(self, chat_id: int) -> list[OutboxMessage]:
        async with self.database.session() as session:
            return list(
                (
                    await session.exec(
                        select(OutboxMessage)
                        .where(OutboxMessage.chat_id == chat_id)
                        .order_by(col(OutboxMessage.id))
                    )
                ).all()
            )

    async def button(self, chat_id: int, label_part: str) -> str:
        for message in reversed(await self.outbox(chat_id)):
            for row in message.payload.get("buttons", []):
                for button in row:
                    if label_part in button["label"]:
                        return button["data"]
        raise AssertionError(f"no button with {label_part!r}")

    async def answer_open_conversation(self, chat_id: int, youth_id: int) -> None:
        """Answer whatever is asked (first button, or a short text) until the flow ends."""
        for _ in range(20):
            conversation = await self.active_conversation(youth_id)
            if conversation is None:
                return
            last = (await self.outbox(chat_id))[-1]
            buttons = [
                b
                for row in last.payload.get("buttons", [])
                for b in row
                if callback.is_conversation_callback(b["data"])
            ]
            self.clock.advance(timedelta(minutes=1))
            if buttons:
                await self.send(chat_id, "button", button_data=buttons[0]["data"])
            else:
                await self.send(chat_id, "text", text="nee hoor")
            await self.drain()
        raise AssertionError("the conversation did not end")

    async def active_conversation(self, youth_id: int) -> Conversation | None:
        async with self.database.session() as session:
            return (
                await session.exec(
                    select(Conversation).where(
                        Conversation.youth_id == youth_id, Conversation.status == "active"
                    )
                )
            ).first()

    async def contacts(self, youth_id: int) -> list[ScheduledContact]:
        async with self.database.session() as session:
            return list(
                (
                    await session.exec(
                        select(ScheduledContact)
                        .where(ScheduledContact.youth_id == youth_id)
                        .order_by(col(ScheduledContact.due_at), col(ScheduledContact.key))
                    )
                ).all()
            )

    async def next_due(self, youth_id: int) -> datetime | None:
        now = self.clock.now()
        planned = [
            row.due_at
            for row in await self.contacts(youth_id)
            if row.status == "planned" and row.due_at > now
        ]
        return min(planned, default=None)

    async def walk(
        self,
        youth_id: int,
        until: datetime,
        on_delivered: Callable[[list[Delivered]], Awaitable[None]] | None = None,
    ) -> None:
        """Advance the clock to each next due moment, ticking and delivering at each."""
        for _ in range(500):
            delivered = await self.step()
            if delivered and on_delivered is not None:
                await on_delivered(delivered)
            stuck = [
                row.key
                for row in await self.contacts(youth_id)
                if row.status == "planned" and row.due_at <= self.clock.now()
            ]
            assert stuck == [], f"due contacts left planned at {self.clock.now()}: {stuck}"
            upcoming = await self.next_due(youth_id)
            if upcoming is None or upcoming > until:
                return
            self.clock.set(upcoming)
        raise AssertionError("walk did not end")


def make_env(
    database: Database,
    clock: ManualClock,
    programmes: Mapping[str, Programme] | None = None,
) -> Env:
    flows = shipped_flows()
    plans = PlanSync(programmes=programmes or load_programmes(), flows=flows, zone=ZONE)
    runner = FlowRunner(flows, ZONE)
    watchers = RecordingWatchers(crisis_words=("zelfmoord",))
    commands = Commands(runner, plans, watchers)
    router = InboundRouter(database, clock, runner, commands, watchers)
    outreach = Outreach(database, clock, runner, plans, watchers)
    channel = MemoryChannel()
    dispatcher = Dispatcher(
        database,
        channel,
        clock,
        worker_id="test",
        rate_per_second=1000.0,
        per_chat_interval=0.0,
        hold_check=human_conversation_open,
    )
    return Env(database, clock, router, runner, plans, watchers, outreach, channel, dispatcher)


@pytest.fixture
def env(database: Database, clock: ManualClock) -> Env:
    clock.set(START)
    return make_env(database, clock)


def local(moment: datetime) -> datetime:
    return moment.astimezone(ZONE)


def at_local(day: date, clock_time: time = time(10, 0)) -> datetime:
    return datetime.combine(day, clock_time, tzinfo=ZONE)
