"""A whole inbound/outbound path for the watchers: the real PTB client against the emulator,
the inbound router, the dispatcher and the watchers, on a migrated database."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import date
from email import message_from_bytes
from email.message import Message
from zoneinfo import ZoneInfo

import pytest
from aiosmtpd.controller import Controller
from sqlmodel import select

from bot.channels.telegram import TelegramChannel, make_bot
from bot.channels.telegram.inbound import UpdateProcessor
from bot.clock import ManualClock
from bot.config import Settings
from bot.context import Services
from bot.conversations.commands import Commands
from bot.conversations.plans import PlanSync
from bot.conversations.router import InboundRouter
from bot.conversations.runner import FlowRunner
from bot.delivery.dispatcher import Dispatcher
from bot.emulator import DEFAULT_TOKEN, EmulatorServer, Limits
from bot.i18n import gettext
from bot.models import Escalation, School, StaffUser, Youth
from bot.scheduling import load_programmes
from bot.storage.db import Database
from bot.watchers import Mailer, MailSettings, WatchersService, build_watchers
from flows.loader import shipped_flows
from tests import factories

ZONE = ZoneInfo("Europe/Amsterdam")
PANEL = "https://panel.example"
COORDINATOR_CHAT = 9001
BACKUP_CHAT = 9002


class FakeMonotonic:
    """The emulator's clock (rate limits, 429 storms), moved by the direct sender's sleeps."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds
        await asyncio.sleep(0)


@dataclass
class Mailbox:
    port: int = 0
    messages: list[Message] = field(default_factory=list)

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(message_from_bytes(envelope.content))
        return "250 OK"


@dataclass
class World:
    emu: EmulatorServer
    database: Database
    clock: ManualClock
    monotonic: FakeMonotonic
    watchers: WatchersService
    router: InboundRouter
    dispatcher: Dispatcher
    processor: UpdateProcessor
    runner: FlowRunner
    bot: object
    mailbox: Mailbox
    offset: int | None = None
    ids: dict[str, int] = field(default_factory=dict)
    received: list[object] = field(default_factory=list)

    async def receive(self) -> int:
        """Hand every queued update to the router (as the poller does); returns the count."""
        updates = await self.bot.get_updates(offset=self.offset, timeout=0)  # type: ignore[attr-defined]
        if updates:
            self.received.extend(updates)
            await self.processor.process_batch(updates)
            self.offset = max(u.update_id for u in updates) + 1
        return len(updates)

    async def pump(self) -> None:
        """Updates in, effects committed, direct sends settled, the outbox drained."""
        for _ in range(10):
            count = await self.receive()
            await self.watchers.settle()
            await self.dispatcher.drain()
            if count == 0:
                break

    def buttons(self, chat: int) -> list[tuple[int, dict]]:
        return [
            (m["message_id"], b)
            for m in self.emu.control.bot_messages(chat)
            for row in m["buttons"]
            for b in row
        ]

    async def tap(self, chat: int, label: str) -> None:
        for message_id, button in reversed(self.buttons(chat)):
            if button["text"] == label and "callback_data" in button:
                self.emu.control.tap_button(chat, message_id, button["callback_data"])
                await self.pump()
                return
        raise AssertionError(f"no button {label!r} in chat {chat}")

    async def answer(self, chat: int, *labels: str) -> None:
        for label in labels:
            await self.tap(chat, label)

    async def say(self, chat: int, text: str, reply_to: int | None = None) -> None:
        self.emu.control.send_text(chat, text, reply_to=reply_to)
        await self.pump()

    def texts(self, chat: int) -> list[str]:
        return [m["text"] or "" for m in self.emu.control.bot_messages(chat)]

    async def youth(self, youth_id: int) -> Youth:
        async with self.database.session() as session:
            row = await session.get(Youth, youth_id)
        assert row is not None
        return row

    async def start_checkin(self, youth_id: int, flow: str = "checkin") -> None:
        async with self.database.transaction() as session:
            youth = await session.get(Youth, youth_id)
            await self.runner.start(session, youth, flow, self.clock.now(), automated=True)
        await self.pump()

    async def escalations(self, youth_id: int) -> list[Escalation]:
        async with self.database.session() as session:
            return list(
                (
                    await session.exec(
                        select(Escalation)
                        .where(Escalation.youth_id == youth_id)
                        .order_by(Escalation.id)
                    )
                ).all()
            )

    async def onboard(
        self,
        chat: int,
        *,
        first_name: str = "Sem",
        student_number: str | None = None,
        date_of_birth: date = date(2008, 5, 1),
        language: str = "nl",
        consent: bool = True,
    ) -> int:
        """A youth invited by the school taps /start TOKEN and says yes, through Telegram."""
        async with self.database.transaction() as session:
            school = await session.get(School, self.ids["school"])
            coordinator = await session.get(StaffUser, self.ids["coordinator"])
            youth = await factories.youth(
                session,
                self.clock.now(),
                school,
                first_name=first_name,
                student_number=student_number or str(chat),
                date_of_birth=date_of_birth,
                language=language,
                coordinator_row=coordinator,
            )
            youth.last_name = "Achternaam"
            session.add(youth)
            token = await factories.invitation(session, self.clock.now(), youth_row=youth)
            youth_id = youth.id
        self.emu.control.add_user(chat, first_name, language)
        self.emu.control.send_command(chat, "start", token)
        await self.pump()
        if consent:
            await self.tap(chat, gettext("Ja, dat is goed", language))
        return youth_id


async def _link_staff(world: World, staff_id: int, chat: int, name: str) -> None:
    async with world.database.transaction() as session:
        staff = await session.get(StaffUser, staff_id)
        token = await factories.invitation(session, world.clock.now(), staff_row=staff)
    world.emu.control.add_user(chat, name, "nl")
    world.emu.control.send_command(chat, "start", token)
    await world.pump()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def mailbox() -> AsyncIterator[Mailbox]:
    box = Mailbox(port=_free_port())
    controller = Controller(box, hostname="127.0.0.1", port=box.port)
    controller.start()
    try:
        yield box
    finally:
        controller.stop()


@pytest.fixture
async def world(database: Database, clock: ManualClock, mailbox: Mailbox) -> AsyncIterator[World]:
    monotonic = FakeMonotonic()
    limits = Limits(per_chat_enabled=False, global_enabled=False)
    async with EmulatorServer(monotonic=monotonic, limits=limits, seed=3) as emu:
        bot = make_bot(DEFAULT_TOKEN, emu.api_url, pool_size=8)
        await bot.initialize()
        channel = TelegramChannel(bot)
        settings = Settings(
            _env_file=None,  # type: ignore[call-arg]
            database_url=database.url,
            public_url=PANEL,
        )
        services = Services(settings=settings, database=database, clock=clock, channel=channel)
        mailer = Mailer(MailSettings(host="127.0.0.1", port=mailbox.port, starttls=False))
        flows = shipped_flows()
        plans = PlanSync(programmes=load_programmes(), flows=flows, zone=ZONE)
        runner = FlowRunner(flows, ZONE)
        watchers = build_watchers(services, runner, mailer=mailer, sleep=monotonic.sleep)
        commands = Commands(runner, plans, watchers)
        router = InboundRouter(database, clock, runner, commands, watchers, channel)
        dispatcher = Dispatcher(
            database, channel, clock, worker_id="test", rate_per_second=1000, per_chat_interval=0
        )
        world = World(
            emu=emu,
            database=database,
            clock=clock,
            monotonic=monotonic,
            watchers=watchers,
            router=router,
            dispatcher=dispatcher,
            processor=UpdateProcessor(bot, router.handle),
            runner=runner,
            bot=bot,
            mailbox=mailbox,
        )
        async with database.transaction() as session:
            region = await factories.region(session)
            school = await factories.school(session, region)
            backup = await factories.coordinator(
                session, clock.now(), region, email="bram@example.nl", name="Bram"
            )
            coordinator = await factories.coordinator(session, clock.now(), region)
            coordinator.backup_id = backup.id
            school.default_coordinator_id = coordinator.id
            session.add_all([coordinator, school])
            world.ids.update(school=school.id, coordinator=coordinator.id, backup=backup.id)
        await _link_staff(world, world.ids["coordinator"], COORDINATOR_CHAT, "Anouk")
        await _link_staff(world, world.ids["backup"], BACKUP_CHAT, "Bram")
        try:
            yield world
        finally:
            await watchers.settle()
            await bot.shutdown()
