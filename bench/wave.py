"""Wave: a check-in due for every youth at once, sent through the Bot API emulator with
Telegram's limits on (30 messages/s for the bot, 1/s per chat), by the real tick, outbox,
dispatcher and Telegram channel.

Measured: wall time from the tick's start until the last message arrives in the emulator,
against the floor set by the global limit (messages / 30 s); the emulator's 429 count; how long
the tick itself took. A check-in starts with one message (the flow engine joins the greeting
onto the first question), so N check-ins are N messages and the floor is N / 30 s; the floor is
computed from the messages actually expected, so a flow that sends more is measured fairly.
"""

from __future__ import annotations

import asyncio
import logging
import sys
import time
from collections.abc import Sequence

from sqlmodel import func, select

from bench.common import (
    Measurement,
    RunningClock,
    base_parser,
    print_table,
    scratch_database,
    write_json,
)
from bench.probe import DeliveryProbe, add_started_users, limits
from bench.seed import add_checkins, parse_rows, seed_youths
from bench.service import TOKEN, make_parts
from bot.channels.telegram import TelegramChannel, make_bot
from bot.emulator import EmulatorServer
from bot.models import OutboxMessage

NAME = "wave"
GLOBAL_RATE = 30.0
TARGET_RATIO = 1.05


async def run(
    youths: int = 20_000, db: str = "sqlite", give_up_after: float = 3600.0
) -> list[Measurement]:
    clock = RunningClock()
    rows = parse_rows(youths)
    async with scratch_database(db) as database:
        seeded = await seed_youths(database, rows, clock.now())
        await add_checkins(database, [y.youth_id for y in seeded], clock.now())
        async with EmulatorServer(TOKEN, limits=limits(on=True)) as emulator:
            add_started_users(
                emulator, [(y.chat_id, y.first_name, y.language) for y in seeded if y.chat_id]
            )
            probe = DeliveryProbe(emulator)
            bot = make_bot(TOKEN, emulator.api_url)
            await bot.initialize()
            parts = make_parts(database, clock, TelegramChannel(bot), worker_id="bench-wave")
            emulator.control.reset_counters()

            started = time.perf_counter()
            dispatcher = asyncio.create_task(parts.dispatcher.run_forever())
            report = await parts.outreach.tick()
            tick_ended = time.perf_counter()
            tick_seconds = tick_ended - started
            parts.dispatcher.notify()
            async with parts.database.session() as session:
                queued = (await session.exec(select(func.count(OutboxMessage.id)))).one()
            waiting = asyncio.create_task(probe.wait_for(queued, give_up_after))
            await asyncio.wait({waiting, dispatcher}, return_when=asyncio.FIRST_COMPLETED)
            if dispatcher.done():
                waiting.cancel()
                # The dispatcher died (e.g. its first reconcile met a locked database):
                # say so instead of waiting an hour for messages nobody sends.
                raise RuntimeError("the dispatcher stopped during the wave") from (
                    dispatcher.exception()
                )
            complete = waiting.result()
            await parts.dispatcher.stop()
            await dispatcher
            counters = emulator.control.counters()
            await bot.shutdown()
            if parts.database is not database:
                await parts.database.dispose()

    last = probe.last_at if probe.last_at is not None else time.perf_counter()
    wall = last - started
    floor = probe.bot_messages / GLOBAL_RATE
    ratio = wall / floor if floor else float("inf")
    limited = counters["rate_limited"]
    during_tick = probe.rate_between(started, tick_ended)
    after_tick = probe.rate_between(tick_ended, last)
    note = (
        f"{youths} youths on {db}, {report.sent} check-ins started, {queued} messages queued, "
        f"{probe.bot_messages} delivered{'' if complete else ' (TIMED OUT)'}; "
        f"composition: {parts.composed}"
    )
    return [
        Measurement(NAME, f"check-ins started ({db})", report.sent, "check-ins", note=note),
        Measurement(NAME, f"messages delivered ({db})", probe.bot_messages, "messages"),
        Measurement(NAME, f"floor at 30/s ({db})", floor, "s"),
        Measurement(
            NAME,
            f"wall time ({db})",
            wall,
            "s",
            f"<= {TARGET_RATIO:.2f} x floor ({floor * TARGET_RATIO:.0f} s)",
            complete and ratio <= TARGET_RATIO,
        ),
        Measurement(
            NAME, f"wall / floor ({db})", ratio, "x", f"<= {TARGET_RATIO}", ratio <= TARGET_RATIO
        ),
        Measurement(NAME, f"429 answers ({db})", limited, "count", "0", limited == 0),
        Measurement(NAME, f"tick duration ({db})", tick_seconds, "s"),
        Measurement(NAME, f"delivery rate while ticking ({db})", during_tick, "/s"),
        Measurement(NAME, f"delivery rate after the tick ({db})", after_tick, "/s"),
        Measurement(NAME, f"longest pause in delivery ({db})", probe.longest_gap(), "s"),
    ]


def main(argv: Sequence[str] | None = None) -> list[Measurement]:
    parser = base_parser(__doc__ or NAME, youths=20_000)
    parser.add_argument("--db", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--timeout", type=float, default=3600.0, help="give up after (s)")
    args = parser.parse_args(argv)
    results = asyncio.run(run(args.youths, args.db, args.timeout))
    print_table(results)
    if args.json:
        write_json(results, args.json)
    return results


if __name__ == "__main__":
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    main()
