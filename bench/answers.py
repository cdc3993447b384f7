"""Answers: youths tapping check-in buttons, handled end to end by the real service path, next
to a bare python-telegram-bot echo bot polling the same kind of emulator.

Service path: emulator getUpdates -> `Poller` -> `UpdateProcessor` -> `InboundRouter` (update
claimed, answer stored, flow advanced, reply written to the outbox) -> `Dispatcher` ->
`TelegramChannel` -> emulator. Echo bot: a PTB `Application` with one `MessageHandler` that
echoes the text, default settings. Telegram's limits are off in the emulator and the
dispatcher's own pacing (30/s, 1/s per chat) is lifted: this measures processing, not the
limits (in production the pacing caps replies at 30/s for the whole bot, by design).

A third contender, the Telegram floor, is our own inbound and outbound adapters with no
database, flow or outbox behind them: `Poller` -> `UpdateProcessor` (which answers the
callback query, as in the service) -> a handler that sends the next question straight through
`TelegramChannel`. It is the least CPU any design that keeps our Telegram calls can spend on an
answer, so `echo CPU / target ratio - floor CPU` is what the target leaves for everything the
service itself does (storing, the flow, encryption, the outbox).

Two phases per bot, each on fresh chats:
- latency: one youth at a time taps once (`--samples` taps): the time from the update being
  queued in the emulator to the bot's reply landing in that chat, unloaded;
- throughput: `--concurrency` youths at once, each tapping `--rounds` questions in a row and
  waiting for each reply (a closed loop): answers per second over the phase, and the latency
  under that load.
"""

from __future__ import annotations

import asyncio
import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

from telegram import Update
from telegram.ext import Application, ContextTypes, MessageHandler, filters

from bench.common import (
    Measurement,
    RunningClock,
    add_database_option,
    base_parser,
    database_kinds,
    format_number,
    percentile,
    print_table,
    scratch_database,
    write_json,
)
from bench.probe import DeliveryProbe, add_started_users, limits
from bench.seed import CHAT_ID_BASE, add_checkins, parse_rows, seed_youths
from bench.service import TOKEN, make_parts
from bot.channels.base import Button, IncomingEvent, OutgoingMessage
from bot.channels.telegram import TelegramChannel, make_bot
from bot.channels.telegram.inbound import Poller, UpdateProcessor
from bot.emulator import EmulatorServer
from flows import callback

NAME = "answers"
TARGET_RATIO = 0.5
TARGET_P99_MS = 50.0
REPLY_TIMEOUT = 30.0
# 3,300 answers under load (1,100 youths after the unloaded samples, 3 rounds): about 13 s at
# the service's rate. With 400 youths (900 answers, 4 s) runs of the same code on one VM
# differed by up to a fifth; with 1,200 they agree within a few per cent.
YOUTHS = 1200

Act = Callable[[int], None]  # the user's action in chat `chat_id` (queues one update)


@dataclass
class PhaseResult:
    answers: int
    seconds: float
    latencies_ms: list[float]
    cpu_seconds: float = 0.0  # this process (bot + emulator + simulated users), all threads

    @property
    def per_second(self) -> float:
        return self.answers / self.seconds if self.seconds else 0.0

    @property
    def cpu_ms_per_answer(self) -> float:
        return 1000 * self.cpu_seconds / self.answers if self.answers else 0.0


class Users:
    """Plays the youths: act in a chat, then wait for the bot's next message there."""

    def __init__(self, emulator: EmulatorServer, probe: DeliveryProbe) -> None:
        self.emulator = emulator
        self.probe = probe

    def mark_read(self, chat_ids: Sequence[int]) -> None:
        state = self.emulator.control.state
        for chat_id in chat_ids:
            state.chat(chat_id).read_cursor = state.next_message_id - 1

    async def one(self, chat_id: int, act: Act) -> float:
        """Latency in ms of one action: update queued -> first bot message after it."""
        seen = len(self.probe.arrivals[chat_id])
        started = time.perf_counter()
        act(chat_id)
        await self.emulator.control.wait_for_bot_message(chat_id, timeout=REPLY_TIMEOUT)
        arrived = self.probe.arrivals[chat_id][seen]
        # The reply may be more than one message; let them all land before the next action.
        await asyncio.sleep(0)
        self.mark_read([chat_id])
        return (arrived - started) * 1000

    async def both_phases(
        self, chat_ids: Sequence[int], act: Act, samples: int, rounds: int, concurrency: int
    ) -> tuple[PhaseResult, PhaseResult]:
        """The latency phase on the first `samples` chats, then the load phase on the rest."""
        quiet, loaded = split(chat_ids, samples)
        latency = await self.latency_phase(quiet, act)
        return latency, await self.throughput_phase(loaded, act, rounds, concurrency)

    async def latency_phase(self, chat_ids: Sequence[int], act: Act) -> PhaseResult:
        started = time.perf_counter()
        latencies = [await self.one(chat_id, act) for chat_id in chat_ids]
        return PhaseResult(len(latencies), time.perf_counter() - started, latencies)

    async def throughput_phase(
        self, chat_ids: Sequence[int], act: Act, rounds: int, concurrency: int
    ) -> PhaseResult:
        queue: asyncio.Queue[int] = asyncio.Queue()
        for chat_id in chat_ids:
            queue.put_nowait(chat_id)
        latencies: list[float] = []

        async def worker() -> None:
            while not queue.empty():
                chat_id = queue.get_nowait()
                for _ in range(rounds):
                    latencies.append(await self.one(chat_id, act))

        started, cpu = time.perf_counter(), time.process_time()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        return PhaseResult(
            len(latencies),
            time.perf_counter() - started,
            latencies,
            time.process_time() - cpu,
        )


def split(chat_ids: Sequence[int], samples: int) -> tuple[Sequence[int], Sequence[int]]:
    if len(chat_ids) <= samples:
        raise ValueError(f"need more youths than --samples ({samples})")
    return chat_ids[:samples], chat_ids[samples:]


def tap_first_answer(emulator: EmulatorServer) -> Act:
    """Tap the first answer button of the newest bot message that has one."""
    control = emulator.control

    def act(chat_id: int) -> None:
        for message in reversed(control.state.chat(chat_id).messages):
            if message.sender != "bot":
                continue
            rows = (message.api.get("reply_markup") or {}).get("inline_keyboard", [])
            for row in rows:
                for button in row:
                    data = button.get("callback_data", "")
                    if callback.is_conversation_callback(data):
                        control.tap_button(chat_id, message.message_id, data)
                        return
        raise RuntimeError(f"chat {chat_id} has no question to answer")

    return act


async def service(
    db: str, youths: int, samples: int, rounds: int, concurrency: int
) -> tuple[PhaseResult, PhaseResult, str]:
    clock = RunningClock()
    rows = parse_rows(youths)
    async with scratch_database(db) as database:
        seeded = await seed_youths(database, rows, clock.now())
        await add_checkins(database, [y.youth_id for y in seeded], clock.now())
        async with EmulatorServer(TOKEN, limits=limits(on=False)) as emulator:
            add_started_users(
                emulator, [(y.chat_id, y.first_name, y.language) for y in seeded if y.chat_id]
            )
            bot = make_bot(TOKEN, emulator.api_url)
            await bot.initialize()
            parts = make_parts(
                database, clock, TelegramChannel(bot), worker_id="bench-answers", unpaced=True
            )
            # Every youth gets the check-in's first question (greeting + mood) before timing.
            await parts.outreach.tick()
            await parts.dispatcher.drain()

            async def handle_then_wake(event: IncomingEvent) -> None:
                await parts.router.handle(event)
                if parts.router.handoff is None:  # else the router woke the dispatcher
                    parts.dispatcher.notify()

            probe = DeliveryProbe(emulator)
            users = Users(emulator, probe)
            chat_ids = [y.chat_id for y in seeded if y.chat_id is not None]
            users.mark_read(chat_ids)
            stopping = asyncio.Event()
            poller = Poller(bot, UpdateProcessor(bot, handle_then_wake), timeout=10)
            tasks = [
                asyncio.create_task(parts.dispatcher.run_forever()),
                asyncio.create_task(poller.run(stopping)),
            ]
            try:
                latency, load = await users.both_phases(
                    chat_ids, tap_first_answer(emulator), samples, rounds, concurrency
                )
            finally:
                stopping.set()
                await parts.dispatcher.stop()
                tasks[1].cancel()
                await asyncio.gather(*tasks, return_exceptions=True)
                await bot.shutdown()
                if parts.database is not database:
                    await parts.database.dispose()
    return latency, load, parts.composed


async def echo_bot(
    youths: int, samples: int, rounds: int, concurrency: int
) -> tuple[PhaseResult, PhaseResult]:
    async with EmulatorServer(TOKEN, limits=limits(on=False)) as emulator:
        chat_ids = [CHAT_ID_BASE + index for index in range(youths)]
        add_started_users(emulator, [(chat_id, "Sam", "nl") for chat_id in chat_ids])

        async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
            assert update.effective_message is not None
            await update.effective_message.reply_text(update.effective_message.text or "")

        application = (
            Application.builder()
            .token(TOKEN)
            .base_url(emulator.base_url)
            .base_file_url(emulator.base_file_url)
            .build()
        )
        application.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, echo))
        probe = DeliveryProbe(emulator)
        users = Users(emulator, probe)

        def say(chat_id: int) -> None:
            emulator.control.send_text(chat_id, "hoi")

        async with application:
            await application.start()
            assert application.updater is not None
            await application.updater.start_polling(poll_interval=0.0, timeout=10)
            try:
                latency, load = await users.both_phases(chat_ids, say, samples, rounds, concurrency)
            finally:
                await application.updater.stop()
                await application.stop()
    return latency, load


# The service's next question has five answer buttons; the floor sends the same shape.
FLOOR_QUESTION = OutgoingMessage(
    chat_id=0,
    text="Dank je! Wat doe je nu?",
    buttons=(tuple(Button(str(n), f"c:bench:next:b{n}") for n in range(5)),),
)


async def telegram_floor(
    youths: int, samples: int, rounds: int, concurrency: int
) -> tuple[PhaseResult, PhaseResult]:
    """Our Telegram path with nothing behind it: see the module doc."""
    async with EmulatorServer(TOKEN, limits=limits(on=False)) as emulator:
        chat_ids = [CHAT_ID_BASE + index for index in range(youths)]
        add_started_users(emulator, [(chat_id, "Sam", "nl") for chat_id in chat_ids])
        bot = make_bot(TOKEN, emulator.api_url)
        await bot.initialize()
        channel = TelegramChannel(bot)
        for chat_id in chat_ids:
            await channel.send(replace(FLOOR_QUESTION, chat_id=chat_id))

        async def ask_next(event: IncomingEvent) -> None:
            await channel.send(replace(FLOOR_QUESTION, chat_id=event.chat_id))

        users = Users(emulator, DeliveryProbe(emulator))
        users.mark_read(chat_ids)
        stopping = asyncio.Event()
        poller = Poller(bot, UpdateProcessor(bot, ask_next), timeout=10)
        polling = asyncio.create_task(poller.run(stopping))
        try:
            latency, load = await users.both_phases(
                chat_ids, tap_first_answer(emulator), samples, rounds, concurrency
            )
        finally:
            stopping.set()
            polling.cancel()
            await asyncio.gather(polling, return_exceptions=True)
            await bot.shutdown()
    return latency, load


def _phase_measurements(label: str, latency: PhaseResult, load: PhaseResult) -> list[Measurement]:
    return [
        Measurement(NAME, f"{label}: answers/s under load", load.per_second, "/s"),
        Measurement(NAME, f"{label}: CPU per answer under load", load.cpu_ms_per_answer, "ms"),
        Measurement(NAME, f"{label}: p50 unloaded", percentile(latency.latencies_ms, 50), "ms"),
        Measurement(NAME, f"{label}: p99 unloaded", percentile(latency.latencies_ms, 99), "ms"),
        Measurement(NAME, f"{label}: p50 under load", percentile(load.latencies_ms, 50), "ms"),
        Measurement(NAME, f"{label}: p99 under load", percentile(load.latencies_ms, 99), "ms"),
    ]


def _floor_measurements(
    echo: PhaseResult, latency: PhaseResult, load: PhaseResult
) -> list[Measurement]:
    label = "telegram floor (no database)"
    ratio = load.per_second / echo.per_second if echo.per_second else 0.0
    budget = echo.cpu_ms_per_answer / TARGET_RATIO - load.cpu_ms_per_answer
    measured = _phase_measurements(label, latency, load)
    measured.insert(1, Measurement(NAME, f"{label}: throughput / echo bot", ratio, "x"))
    measured.insert(
        3,
        Measurement(
            NAME,
            f"{label}: CPU left per answer for the service's own work at {TARGET_RATIO} x",
            budget,
            "ms",
            note="echo bot CPU / target ratio - floor CPU",
        ),
    )
    return measured


async def run(
    youths: int = YOUTHS,
    db: str = "both",
    samples: int = 100,
    rounds: int = 3,
    concurrency: int = 20,
    repeat: int = 1,
) -> list[Measurement]:
    """`repeat` > 1: the whole sequence again and again, each figure the median of the runs.

    On a shared VM the speed of the machine drifts by a third between minutes: the echo bot
    alone did 249 to 382 answers/s in one hour. A ratio is taken within each run, against the
    echo bot measured a minute earlier, and the median of several runs resists the drift.
    """
    runs = [await _run_once(youths, db, samples, rounds, concurrency) for _ in range(repeat)]
    return runs[0] if repeat == 1 else _medians(runs)


def _medians(runs: list[list[Measurement]]) -> list[Measurement]:
    medians = []
    for same in zip(*runs, strict=True):
        values = sorted(m.value for m in same)
        value = statistics.median(values)
        low, high = format_number(values[0]), format_number(values[-1])
        spread = f"median of {len(values)} runs ({low} to {high})"
        note = f"{spread}; {same[0].note}" if same[0].note else spread
        met = None if same[0].met is None else _meets(same[0].target, value)
        medians.append(replace(same[0], value=value, met=met, note=note))
    return medians


def _meets(target: str, value: float) -> bool:
    """The two kinds of target this benchmark sets: ">= 0.5" and "< 50 ms"."""
    operator, number = target.split()[:2]
    return value >= float(number) if operator == ">=" else value < float(number)


async def _run_once(
    youths: int, db: str, samples: int, rounds: int, concurrency: int
) -> list[Measurement]:
    echo_latency, echo_load = await echo_bot(youths, samples, rounds, concurrency)
    results = _phase_measurements("echo bot", echo_latency, echo_load)
    floor_latency, floor_load = await telegram_floor(youths, samples, rounds, concurrency)
    results += _floor_measurements(echo_load, floor_latency, floor_load)
    for kind in database_kinds(db):
        latency, load, composed = await service(kind, youths, samples, rounds, concurrency)
        label = f"service {kind}"
        measured = _phase_measurements(label, latency, load)
        ratio = load.per_second / echo_load.per_second if echo_load.per_second else 0.0
        p99 = percentile(latency.latencies_ms, 99)
        measured[0] = Measurement(
            NAME,
            measured[0].metric,
            load.per_second,
            "/s",
            note=(
                f"{load.answers} answers by {concurrency} concurrent youths x {rounds} rounds; "
                f"{latency.answers} unloaded samples; composition: {composed}"
            ),
        )
        measured[3] = Measurement(
            NAME, measured[3].metric, p99, "ms", f"< {TARGET_P99_MS:.0f} ms", p99 < TARGET_P99_MS
        )
        measured.insert(
            1,
            Measurement(
                NAME,
                f"{label}: throughput / echo bot",
                ratio,
                "x",
                f">= {TARGET_RATIO}",
                ratio >= TARGET_RATIO,
            ),
        )
        measured.insert(
            3,
            Measurement(
                NAME,
                f"{label}: own work per answer (CPU above the floor)",
                load.cpu_ms_per_answer - floor_load.cpu_ms_per_answer,
                "ms",
            ),
        )
        results += measured
    return results


def main(argv: Sequence[str] | None = None) -> list[Measurement]:
    parser = base_parser(__doc__ or NAME, youths=YOUTHS)
    add_database_option(parser)
    parser.add_argument("--samples", type=int, default=100, help="unloaded latency samples")
    parser.add_argument("--rounds", type=int, default=3, help="answers per youth under load")
    parser.add_argument("--concurrency", type=int, default=20, help="youths answering at once")
    parser.add_argument(
        "--repeat", type=int, default=1, help="run everything N times; report medians"
    )
    args = parser.parse_args(argv)
    results = asyncio.run(
        run(args.youths, args.db, args.samples, args.rounds, args.concurrency, args.repeat)
    )
    print_table(results)
    if args.json:
        write_json(results, args.json)
    return results


if __name__ == "__main__":
    main()
