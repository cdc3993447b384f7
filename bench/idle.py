"""Idle tick: 20,000 youths with their contacts planned in the future (and some handled in the
past), nothing due. The service ticks every 30 s all day, so this is what the tick costs almost
always. Measured: p50 and p95 of `Outreach.tick()` over `--runs` ticks after a warm-up.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence
from datetime import timedelta

from bench.common import (
    Measurement,
    RunningClock,
    add_database_option,
    base_parser,
    database_kinds,
    percentile,
    print_table,
    scratch_database,
    write_json,
)
from bench.seed import add_checkins, parse_rows, seed_youths
from bench.service import make_parts
from bot.channels.memory import MemoryChannel

NAME = "idle"
TARGET_MS = 20.0
FUTURE_DAYS = (30, 60, 91, 182, 365)  # planned, like a programme's coming contacts
PAST_DAYS = (60, 30)  # already handled


async def measure(youths: int, db: str, runs: int, warmup: int = 3) -> list[Measurement]:
    clock = RunningClock()
    rows = parse_rows(youths)
    async with scratch_database(db) as database:
        seeded = await seed_youths(database, rows, clock.now())
        ids = [y.youth_id for y in seeded]
        now = clock.now()
        for days in FUTURE_DAYS:
            await add_checkins(database, ids, now + timedelta(days=days), key=f"bench:+{days}")
        for days in PAST_DAYS:
            await add_checkins(
                database, ids, now - timedelta(days=days), key=f"bench:-{days}", status="sent"
            )
        parts = make_parts(database, clock, MemoryChannel(), worker_id="bench-idle")
        timings = []
        for index in range(warmup + runs):
            started = time.perf_counter()
            report = await parts.outreach.tick()
            elapsed = (time.perf_counter() - started) * 1000
            if report.youths:
                raise RuntimeError(f"the idle tick found {report.youths} youths due")
            if index >= warmup:
                timings.append(elapsed)
        if parts.database is not database:
            await parts.database.dispose()
    contacts = youths * (len(FUTURE_DAYS) + len(PAST_DAYS))
    note = f"{youths} youths, {contacts} scheduled contacts, {runs} ticks after {warmup} warm-up"
    p50, p95 = percentile(timings, 50), percentile(timings, 95)
    return [
        Measurement(
            NAME, f"tick p50 ({db})", p50, "ms", f"< {TARGET_MS:.0f} ms", p50 < TARGET_MS, note
        ),
        Measurement(NAME, f"tick p95 ({db})", p95, "ms", f"< {TARGET_MS:.0f} ms", p95 < TARGET_MS),
    ]


async def run(youths: int = 20_000, db: str = "both", runs: int = 50) -> list[Measurement]:
    results: list[Measurement] = []
    for kind in database_kinds(db):
        results += await measure(youths, kind, runs)
    return results


def main(argv: Sequence[str] | None = None) -> list[Measurement]:
    parser = base_parser(__doc__ or NAME, youths=20_000)
    add_database_option(parser)
    parser.add_argument("--runs", type=int, default=50)
    args = parser.parse_args(argv)
    results = asyncio.run(run(args.youths, args.db, args.runs))
    print_table(results)
    if args.json:
        write_json(results, args.json)
    return results


if __name__ == "__main__":
    main()
