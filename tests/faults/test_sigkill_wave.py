"""SIGKILL during a 2,000-message wave: restarted each time, every message shown exactly once.

A real dispatcher process (`tests/faults/wave_runner.py`: the service's `Dispatcher` with the
Telegram adapter) sends to the Bot API emulator and is killed with SIGKILL at 20 seeded moments
(after a random number of deliveries, or during start-up), then restarted, until the outbox is
settled. The rows a kill leaves `sending` (handed to Telegram, answer never recorded) are
checked with Telegram by the next incarnation (`bot.delivery.checking`): found ones are
recorded as sent, missing ones sent again. The runner has a check chat, so even a row that
nothing follows (the last of the wave) is bounded by a marker. The test asks for every row
`sent` and shown once; a row settled without a check (`uncertain`) would fail it.

Figures: `FAULTS_REPORT=1 pytest -s tests/faults/test_sigkill_wave.py` prints them. The wave
runs at 1,000 sends/s (a stress rate: many rows in flight at each kill); `FAULTS_WAVE_RATE=30`
runs it at Telegram's rate, as the service sends in production.
"""

from __future__ import annotations

import asyncio
import os
import random
import signal
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.emulator import EmulatorServer, Limits
from bot.privacy.crypto import KeyRing, new_key, use_key_ring
from bot.storage import migrate
from bot.storage.db import Database
from tests.faults.helpers import consenting_youths, tally, wave

pytestmark = [pytest.mark.db, pytest.mark.slow]

TOKEN = "777000:fault-wave-token"
YOUTHS = 400
PER_YOUTH = 5  # 2,000 messages; five per chat also checks that order per chat survives kills
KILLS = 20
SEED = int(os.environ.get("FAULTS_SEED", "20261122"))  # vary the kill moments per run
RATE = float(os.environ.get("FAULTS_WAVE_RATE", "1000"))
PROJECT = Path(__file__).resolve().parents[2]


def delivered_total(emulator: EmulatorServer) -> int:
    return sum(emulator.control.state.counters.delivered.values())


async def start_runner(
    database_url: str, api_url: str, key: str, check_chat: int
) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "tests.faults.wave_runner",
        database_url,
        api_url,
        "--token",
        TOKEN,
        "--rate",
        str(RATE),
        "--check-chat",
        str(check_chat),
        cwd=PROJECT,
        env={**os.environ, "INBEELD_DATA_KEY": key},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )


async def kill_at_a_random_moment(
    process: asyncio.subprocess.Process,
    emulator: EmulatorServer,
    rng: random.Random,
    start_ups: list[float],
) -> str:
    """SIGKILL after a random number of fresh deliveries, or at a random start-up moment.

    `start_ups` collects how long the runs took from start to their first delivery: a start-up
    kill lands at a random fraction of that, so it stays in start-up on a fast machine too
    (a fixed delay would reach far into the wave there).
    """
    loop = asyncio.get_running_loop()
    started = loop.time()
    before = delivered_total(emulator)
    if rng.random() < 0.2:
        # Start-up: imports, migrations check, reconcile, the first claim.
        span = sum(start_ups) / len(start_ups) if start_ups else 2.0
        until = started + rng.uniform(0.15, 1.0) * span
        while (
            loop.time() < until
            and delivered_total(emulator) == before
            and process.returncode is None
        ):
            await emulator.control.state.chats_changed.wait(0.01)
    else:
        target = before + rng.randint(1, 150)
        first_delivery_seen = False
        while delivered_total(emulator) < target and process.returncode is None:
            await emulator.control.state.chats_changed.wait(0.05)
            if not first_delivery_seen and delivered_total(emulator) > before:
                first_delivery_seen = True
                start_ups.append(loop.time() - started)
        # At least two send intervals, so a kill may land anywhere between two sends.
        await asyncio.sleep(rng.uniform(0, max(0.02, 2 / RATE)))
    if process.returncode is None:
        process.send_signal(signal.SIGKILL)
    await process.wait()
    if process.returncode != -signal.SIGKILL:
        return "finished-first"
    return "start-up" if delivered_total(emulator) == before else "mid-wave"


async def test_sigkill_during_a_wave_loses_and_repeats_nothing(database_url: str) -> None:
    key = new_key()
    with use_key_ring(KeyRing([key])):
        await sigkill_wave(database_url, key)


async def sigkill_wave(database_url: str, key: str) -> None:
    now = datetime.now(UTC)
    database = Database(database_url)
    await migrate.upgrade(database)
    youths = await consenting_youths(database, now, YOUTHS)
    total = await wave(database, now, youths, PER_YOUTH)
    rng = random.Random(SEED)
    moments: list[str] = []
    start_ups: list[float] = []  # seconds from a run's start to its first delivery
    async with EmulatorServer(token=TOKEN, limits=Limits.off(), seed=SEED) as emulator:
        for _, chat in youths:
            emulator.control.add_user(chat, "Test").started = True
        operator = emulator.control.add_user(first_name="Operator")
        check_chat = emulator.control.add_group(operator.id, "In Beeld checks").id
        loop = asyncio.get_running_loop()
        began = loop.time()
        for _ in range(KILLS):
            process = await start_runner(database_url, emulator.api_url, key, check_chat)
            moments.append(await kill_at_a_random_moment(process, emulator, rng, start_ups))
        process = await start_runner(database_url, emulator.api_url, key, check_chat)
        out, err = await asyncio.wait_for(process.communicate(), timeout=120)
        assert process.returncode == 0, err.decode()[-3000:]
        elapsed = loop.time() - began
        result = await tally(database, emulator.control, [chat for _, chat in youths])
    await database.dispose()

    figures = {
        "messages": total,
        "kills": sum(1 for m in moments if m != "finished-first"),
        "kills_mid_wave": moments.count("mid-wave"),
        "kills_at_start_up": moments.count("start-up"),
        "delivered": result.delivered_once,
        "lost": len(result.lost),
        "duplicates": result.duplicates,
        "uncertain": result.uncertain,
        "uncertain_not_shown": result.uncertain_not_shown,
        "seconds": round(elapsed, 1),
    }
    if os.environ.get("FAULTS_REPORT"):
        print("\nSIGKILL wave:", figures, dict(result.status), "last run:", out.decode().strip())
    assert result.rows == total
    assert result.unfinished == 0, dict(result.status)
    assert figures["kills"] >= KILLS - 2, moments  # the wave must not end before the kills do
    assert result.lost == [], f"lost rows (never shown, not flagged uncertain): {result.lost}"
    assert result.duplicates == 0
    assert result.out_of_order_chats == 0
    # Exactly once: every row was checked and settled, none left "maybe delivered".
    assert result.delivered_once == total and dict(result.status) == {"sent": total}, figures
