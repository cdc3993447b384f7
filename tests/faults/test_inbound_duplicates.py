"""Every inbound update delivered 1-5 times: the youth sees exactly what one delivery shows.

What Telegram can do: after a lost acknowledgement (a crash, a timeout, a webhook answer that
never arrived) it sends the same update id again, in order per chat, while other chats go on.
Two service instances behind one webhook URL may even handle two copies at the same moment. So
per round every chat gets its next update 1-5 times, copies shuffled across chats and handled by
two processors at once; a third of the extra copies arrive only a round later, after the chat
moved on. A handling error counts as a non-2xx answer: that copy is delivered again.

The same script runs once without copies (the baseline, on its own database and emulator); the
phones must show identical transcripts, and the database the same facts: one consent per youth,
one stored answer per question, one handoff per message for the coordinator.

The coordinator alerts (`bot.watchers`) are not wired here: until that lands on main this test
counts the `Watchers.handoff` calls as the "alert" each message would raise.
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
from sqlalchemy import func, select
from telegram import Update

from bot.channels.telegram import TelegramChannel, make_bot
from bot.channels.telegram.inbound import UpdateProcessor
from bot.clock import ManualClock
from bot.conversations.commands import Commands
from bot.conversations.plans import PlanSync
from bot.conversations.router import InboundRouter
from bot.conversations.runner import FlowRunner
from bot.delivery import Dispatcher
from bot.emulator import EmulatorServer, Limits
from bot.models import Answer, ConsentEvent, InboundUpdate, OutboxMessage, ScheduledContact
from bot.outreach.tick import Outreach
from bot.scheduling import load_programmes
from bot.storage import migrate
from bot.storage.db import Database
from flows import callback
from flows.loader import shipped_flows
from tests import factories
from tests.conversations.conftest import ZONE, RecordingWatchers

pytestmark = [pytest.mark.db, pytest.mark.slow]

TOKEN = "777002:fault-inbound-token"
YOUTHS = 15
CHAT_BASE = 600_000
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
            await session.execute(
                select(func.min(ScheduledContact.due_at)).where(
                    ScheduledContact.kind == "checkin", ScheduledContact.status == "planned"
                )
            )
        ).scalar_one()
    assert first is not None, "onboarding planned no check-in"
    clock.set(first + timedelta(minutes=1))
    report = await outreach.tick()
    assert report.sent == YOUTHS, report.outcomes


async def play(database_url: str, rng: random.Random | None) -> Run:
    """The scenario; `rng` None delivers each update once, in order (the baseline)."""
    database = Database(database_url)
    await migrate.upgrade(database)
    tokens = await seed(database)
    clock = ManualClock(START)
    flows = shipped_flows()
    runner = FlowRunner(flows, ZONE)
    watchers = RecordingWatchers()
    plans = PlanSync(programmes=load_programmes(), flows=flows, zone=ZONE)
    router = InboundRouter(database, clock, runner, Commands(runner, plans, watchers), watchers)
    outreach = Outreach(database, clock, runner, plans, watchers)
    chats = [CHAT_BASE + i for i in range(YOUTHS)]
    run = Run({}, {})
    async with EmulatorServer(token=TOKEN, limits=Limits.off(), seed=SEED) as emulator:
        bot = make_bot(TOKEN, emulator.api_url)
        await bot.initialize()
        dispatcher = Dispatcher(
            database, TelegramChannel(bot), clock, worker_id="dup", per_chat_interval=0.0
        )
        # Two instances of the service behind one webhook: same database, separate processes.
        processors = [UpdateProcessor(bot, router.handle), UpdateProcessor(bot, router.handle)]
        for chat in chats:
            emulator.control.add_user(chat, "Sem")
        late: list[Json] = []
        try:
            for step in STEPS:
                if step is CHECKIN:
                    await start_checkins(database, clock, outreach)
                    await dispatcher.drain()
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
                await deliver(copies, processors, bot, run)
                await dispatcher.drain()
                clock.advance(timedelta(minutes=1))
            await deliver(late, processors, bot, run)
            await dispatcher.drain()
        finally:
            await bot.shutdown()
        run.transcripts = {c: [m["text"] for m in emulator.control.bot_messages(c)] for c in chats}
    async with database.session() as session:

        async def count(model: Any) -> int:
            return (await session.execute(select(func.count()).select_from(model))).scalar_one()

        consents = Counter(
            (await session.execute(select(ConsentEvent.youth_id, ConsentEvent.action))).all()
        )
        run.facts = {
            "inbound_updates": await count(InboundUpdate),
            "answers": await count(Answer),
            "outbox": await count(OutboxMessage),
            "consents": sorted(consents.values()),
            "watcher_calls": Counter(kind for kind, _ in watchers.calls),
        }
    await database.dispose()
    return run


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
        "updates_lost": updates - duplicated.facts["inbound_updates"],  # type: ignore[operator]
    }
    if os.environ.get("FAULTS_REPORT"):
        print("\nInbound duplicates:", figures)
    assert duplicated.deliveries >= 2 * updates, "the copies must really be there"
    assert baseline.facts["inbound_updates"] == updates
    assert baseline.facts["consents"] == [1] * YOUTHS
    assert baseline.facts["answers"] >= 2 * YOUTHS  # type: ignore[operator]
    assert duplicated.facts == baseline.facts
    assert duplicated.transcripts == baseline.transcripts
