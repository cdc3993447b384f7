"""Every inbound update delivered 1-5 times: the youth sees exactly what one delivery shows.

What Telegram can do: after a lost acknowledgement (a crash, a timeout, a webhook answer that
never arrived) it sends the same update id again, in order per chat, while other chats go on.
Two service instances behind one webhook URL may even handle two copies at the same moment. So
per round every chat gets its next update 1-5 times, copies shuffled across chats and handled by
two processors at once; a third of the extra copies arrive only a round later, after the chat
moved on. A handling error counts as a non-2xx answer: that copy is delivered again.

The service is the real composition (`bot.service.build.build_parts`: router, watchers,
dispatcher, outreach), built twice on one database for the two instances. The coordinator has
linked their Telegram chat, so alerts reach a phone too. The scenario includes a crisis message
and check-in answers that raise signals.

The same script runs once without copies (the baseline, on its own database and emulator); the
phones (the youths' and the coordinator's) must show identical transcripts, and the database the
same facts: one consent per youth, one stored answer per question, the same signals and
escalations, so at most one alert per signal.
"""

from __future__ import annotations

import asyncio
import os
import random
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func
from sqlmodel import select
from telegram import Update

from bot.channels.telegram import TelegramChannel, make_bot
from bot.channels.telegram.inbound import UpdateProcessor
from bot.clock import ManualClock
from bot.config import load_settings
from bot.delivery import Dispatcher
from bot.emulator import EmulatorServer, Limits
from bot.models import (
    Answer,
    ConsentEvent,
    Escalation,
    InboundUpdate,
    OutboxMessage,
    ScheduledContact,
    Signal,
)
from bot.outreach.holds import human_conversation_open
from bot.outreach.tick import Outreach
from bot.service.build import Parts, build_parts
from bot.storage import migrate
from bot.storage.db import Database
from flows import callback
from tests import factories

pytestmark = [pytest.mark.db, pytest.mark.slow]

TOKEN = "777002:fault-inbound-token"
YOUTHS = 15
CHAT_BASE = 600_000
COORDINATOR_CHAT = 599_999
SEED = 7
START = datetime(2026, 9, 1, 8, 0, tzinfo=UTC)
Json = dict[str, Any]


def button(emulator: EmulatorServer, chat: int, label_part: str) -> tuple[int, str]:
    for message in reversed(emulator.control.bot_messages(chat)):
        for row in message.get("buttons") or []:
            for b in row:
                if label_part in b["text"]:
                    return message["message_id"], b["callback_data"]
    raise AssertionError(f"chat {chat}: no button with {label_part!r}")


def answer(emulator: EmulatorServer, chat: int, _token: str) -> Json:
    """Whatever the check-in asks: the first button of the last question, else a short text."""
    last = emulator.control.bot_messages(chat)[-1]
    buttons = [b for row in last.get("buttons") or [] for b in row]
    if buttons and callback.is_conversation_callback(buttons[0]["callback_data"]):
        return emulator.control.tap_button(chat, last["message_id"], buttons[0]["callback_data"])
    return emulator.control.send_text(chat, "Het gaat goed met mij")


# One youth's side of the conversation, a step per round: each returns the update it queued.
# After the onboarding steps the first check-in is made due and sent (CHECKIN marks the spot).
Step = Callable[[EmulatorServer, int, str], Json]


def first_checkin_answer(emulator: EmulatorServer, chat: int, token: str) -> Json:
    return answer(emulator, chat, token)


CHECKIN: Step = first_checkin_answer
STEPS: list[Step] = [
    lambda emu, chat, token: emu.control.send_command(chat, "start", token),
    lambda emu, chat, _: emu.control.tap_button(chat, *button(emu, chat, "Ja, dat is goed")),
    CHECKIN,
    *[answer] * 6,
    lambda emu, chat, _: emu.control.send_text(chat, "Ik heb een vraag over mijn stage"),
    lambda emu, chat, _: emu.control.send_text(chat, "ik wil niet meer leven"),
    lambda emu, chat, _: emu.control.send_sticker(chat),
    # The consent button again, long after the flow ended: an old button.
    lambda emu, chat, _: emu.control.tap_button(chat, *button(emu, chat, "Ja, dat is goed")),
    lambda emu, chat, _: emu.control.send_command(chat, "help"),
]


@dataclass
class Run:
    transcripts: dict[int, list[str]]
    facts: dict[str, object]
    deliveries: int = 0
    refused: int = 0  # copies whose handling failed (answered non-2xx): delivered again
    copies: Counter[int] = field(default_factory=Counter)


async def seed(database: Database) -> list[str]:
    async with database.transaction() as session:
        region = await factories.region(session)
        school = await factories.school(session, region)
        coordinator = await factories.coordinator(session, START, region)
        coordinator.telegram_chat_id = COORDINATOR_CHAT
        session.add(coordinator)
        tokens = []
        for i in range(YOUTHS):
            youth = await factories.youth(
                session, START, school, coordinator_row=coordinator, student_number=str(i)
            )
            tokens.append(await factories.invitation(session, START, youth_row=youth))
    return tokens


async def start_checkins(database: Database, clock: ManualClock, outreach: Outreach) -> None:
    """Move the clock to the first planned check-in (the same for every youth) and tick."""
    async with database.session() as session:
        first = (
            await session.exec(
                select(func.min(ScheduledContact.due_at)).where(
                    ScheduledContact.kind == "checkin", ScheduledContact.status == "planned"
                )
            )
        ).one()
    assert first is not None, "onboarding planned no check-in"
    clock.set(first + timedelta(minutes=1))
    report = await outreach.tick()
    assert report.sent == YOUTHS, report.outcomes


async def play(database_url: str, rng: random.Random | None) -> Run:
    """The scenario; `rng` None delivers each update once, in order (the baseline)."""
    database = Database(database_url)
    await migrate.upgrade(database)
    tokens = await seed(database)
    await database.dispose()
    clock = ManualClock(START)
    chats = [CHAT_BASE + i for i in range(YOUTHS)]
    run = Run({}, {})
    async with EmulatorServer(token=TOKEN, limits=Limits.off(), seed=SEED) as emulator:
        settings = load_settings(
            database_url=database_url, telegram_token=TOKEN, telegram_api_url=emulator.api_url
        )
        bot = make_bot(TOKEN, emulator.api_url)
        await bot.initialize()
        # Two instances of the service behind one webhook: one database, separate processes.
        instances = [
            build_parts(settings, clock, TelegramChannel(bot), bot, worker_id=f"dup-{n}")
            for n in (1, 2)
        ]
        main = instances[0]
        # The service's dispatcher spaces a chat's messages 1 s apart (Telegram's limit); the
        # emulator's limits are off here, so a dispatcher without that spacing saves a minute.
        drainer = Dispatcher(
            main.services.database,
            TelegramChannel(bot),
            clock,
            worker_id="dup-drain",
            per_chat_interval=0.0,
            hold_check=human_conversation_open,
        )
        processors = [part.processor for part in instances]
        emulator.control.add_user(COORDINATOR_CHAT, "Anouk").started = True
        for chat in chats:
            emulator.control.add_user(chat, "Sem")
        late: list[Json] = []
        try:
            for step in STEPS:
                if step is CHECKIN:
                    await start_checkins(main.services.database, clock, main.outreach)
                    await settle(instances, drainer)
                fresh = [step(emulator, chat, tokens[i]) for i, chat in enumerate(chats)]
                emulator.control.state.pending.clear()  # we are Telegram's delivery here
                copies = list(fresh)
                if rng is not None:
                    extra = [u for u in fresh for _ in range(rng.randint(1, 5) - 1)]
                    rng.shuffle(extra)
                    now_extra, later = extra[len(extra) // 3 :], extra[: len(extra) // 3]
                    # Copies are identical, so the first to arrive is "the" delivery; updates of
                    # one chat never overlap within a round (one new update per chat).
                    copies = late + fresh + now_extra
                    rng.shuffle(copies)
                    late = later
                for update in copies:
                    run.copies[update["update_id"]] += 1
                await deliver(copies, processors, bot, run)  # type: ignore[arg-type]
                await settle(instances, drainer)
                clock.advance(timedelta(minutes=1))
            await deliver(late, processors, bot, run)  # type: ignore[arg-type]
            await settle(instances, drainer)
        finally:
            for part in instances:
                await part.watchers.settle()
                await part.services.database.dispose()
            await bot.shutdown()
        run.transcripts = {
            c: [m["text"] for m in emulator.control.bot_messages(c)]
            for c in [*chats, COORDINATOR_CHAT]
        }
    database = Database(database_url)
    async with database.session() as session:

        async def count(model: Any) -> int:
            return (await session.exec(select(func.count()).select_from(model))).one()

        consents = Counter(
            (await session.exec(select(ConsentEvent.youth_id, ConsentEvent.action))).all()
        )
        signals = Counter((await session.exec(select(Signal.youth_id, Signal.rule_id))).all())
        run.facts = {
            "inbound_updates": await count(InboundUpdate),
            "answers": await count(Answer),
            "outbox": await count(OutboxMessage),
            "consents": sorted(consents.values()),
            "signals": sorted(Counter(rule for _, rule in signals).items()),
            "signals_per_youth_and_rule": max(signals.values(), default=0),
            "escalations": await count(Escalation),
        }
    await database.dispose()
    return run


async def settle(instances: list[Parts], drainer: Dispatcher) -> None:
    """What the service does in the background: alerts sent directly, then the outbox."""
    for part in instances:
        await part.watchers.settle()
    await drainer.drain()


async def deliver(copies: list[Json], processors: list[UpdateProcessor], bot, run: Run) -> None:
    """Two workers take copies from one queue; a failed copy goes to the back (a retry)."""
    queue: asyncio.Queue[Json] = asyncio.Queue()
    for update in copies:
        queue.put_nowait(update)

    async def worker(processor: UpdateProcessor) -> None:
        while not queue.empty():
            update = queue.get_nowait()
            run.deliveries += 1
            try:
                await processor.process(Update.de_json(update, bot))
            except Exception:
                run.refused += 1
                queue.put_nowait(update)

    await asyncio.gather(*(worker(p) for p in processors))


async def test_duplicated_updates_change_nothing_the_youth_sees(
    database_url: str, tmp_path: Path
) -> None:
    baseline = await play(f"sqlite:///{tmp_path / 'baseline.db'}", None)
    duplicated = await play(database_url, random.Random(SEED))

    updates = len(STEPS) * YOUTHS
    figures = {
        "updates": updates,
        "deliveries": duplicated.deliveries,
        "max_copies": max(duplicated.copies.values()),
        "refused_then_redelivered": duplicated.refused,
        "answers": duplicated.facts["answers"],
        "signals": sum(n for _, n in duplicated.facts["signals"]),  # type: ignore[attr-defined]
        "coordinator_alerts": len(duplicated.transcripts[COORDINATOR_CHAT]),
        "updates_lost": updates - duplicated.facts["inbound_updates"],  # type: ignore[operator]
    }
    if os.environ.get("FAULTS_REPORT"):
        print("\nInbound duplicates:", figures)
    assert duplicated.deliveries >= 2 * updates, "the copies must really be there"
    assert baseline.facts["inbound_updates"] == updates
    assert baseline.facts["consents"] == [1] * YOUTHS
    assert baseline.facts["answers"] >= 2 * YOUTHS  # type: ignore[operator]
    assert baseline.facts["signals"], "the scenario must raise signals"
    assert baseline.facts["signals_per_youth_and_rule"] == 1
    assert baseline.transcripts[COORDINATOR_CHAT], "the coordinator must get alerts"
    assert duplicated.facts == baseline.facts
    assert duplicated.transcripts == baseline.transcripts
