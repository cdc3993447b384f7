"""The dispatcher and the Telegram adapter against a misbehaving Bot API (the emulator's faults).

- A 429 with retry_after: nothing is sent to anyone before it has passed.
- 5xx, slow answers past the client timeout, connections dropped before and after processing,
  10 % each, on sends and on the probes alike: every message reaches the phone. A send that
  goes unanswered is checked with Telegram before it is sent again (`bot.delivery.checking`),
  so a dropped answer after delivery no longer shows the message twice. With a check chat,
  a send that nothing else follows is bounded by a marker there: every message exactly once.
  Without one, such a send is sent again unchecked, as before (a second copy if it had
  arrived): measured and reported.

Figures: `FAULTS_REPORT=1 pytest -s tests/faults/test_emulator_faults.py`.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime

import pytest
from telegram import Bot
from telegram.request import HTTPXRequest

from bot.channels.base import OutgoingMessage, ProbeOutcome, RetryLater, SendOutcome
from bot.channels.telegram import TelegramChannel
from bot.channels.telegram.marker import TelegramMarker
from bot.clock import SystemClock
from bot.delivery import Dispatcher, RetryPolicy
from bot.emulator import EmulatorServer, Limits
from bot.storage.db import Database
from tests.faults.helpers import consenting_youths, drain_until_settled, tally, wave

pytestmark = [pytest.mark.slow]  # SQLite only: the PostgreSQL pass adds nothing here but time

TOKEN = "777001:fault-api-token"
SEED = 4242
CLIENT_TIMEOUT = 1.0  # seconds; the emulator's "slow" answers take longer


@dataclass
class TimedChannel:
    """Wraps a channel and notes when each send started and ended (monotonic seconds)."""

    inner: TelegramChannel
    calls: list[tuple[float, float, SendOutcome]] = field(default_factory=list)
    probes: int = 0
    name: str = "telegram"

    async def send(self, message: OutgoingMessage) -> SendOutcome:
        started = time.monotonic()
        outcome = await self.inner.send(message)
        self.calls.append((started, time.monotonic(), outcome))
        return outcome

    async def probe(self, message: OutgoingMessage, message_id: int) -> ProbeOutcome:
        self.probes += 1
        return await self.inner.probe(message, message_id)


def short_timeout_bot(api_url: str) -> Bot:
    return Bot(
        TOKEN,
        base_url=f"{api_url}/bot",
        request=HTTPXRequest(
            connection_pool_size=64, read_timeout=CLIENT_TIMEOUT, write_timeout=CLIENT_TIMEOUT
        ),
    )


async def run_wave(
    database: Database,
    emulator: EmulatorServer,
    youths: int,
    per_youth: int,
    check_chat: int | None = None,
    **options: object,
) -> tuple[TimedChannel, object, int, list[int]]:
    now = datetime.now(UTC)
    cohort = await consenting_youths(database, now, youths)
    total = await wave(database, now, cohort, per_youth)
    chats = [chat for _, chat in cohort]
    for chat in chats:
        emulator.control.add_user(chat, "Test").started = True
    bot = short_timeout_bot(emulator.api_url)
    await bot.initialize()
    channel = TimedChannel(TelegramChannel(bot))
    try:
        dispatcher = Dispatcher(
            database,
            channel,  # type: ignore[arg-type]
            SystemClock(),
            worker_id="fault-api",
            per_chat_interval=0.0,
            marker=TelegramMarker(bot, check_chat) if check_chat is not None else None,
            **options,  # type: ignore[arg-type]
        )
        await drain_until_settled(dispatcher, database)
        stats = dispatcher.stats
    finally:
        await bot.shutdown()
    return channel, stats, total, chats


async def test_a_429_pauses_every_send_until_retry_after_has_passed(database: Database) -> None:
    async with EmulatorServer(token=TOKEN, limits=Limits.off(), seed=SEED) as emulator:
        # Every 40th call or so: the first sendMessage after the queue is drained gets a 429.
        emulator.faults.next_calls("storm", 1, retry_after=2, methods=["sendMessage"])
        channel, _stats, total, chats = await run_wave(
            database, emulator, 60, 2, rate_per_second=200.0
        )
        result = await tally(database, emulator.control, chats)

    limited = [(end, o) for _, end, o in channel.calls if isinstance(o, RetryLater)]
    assert len(limited) == 1 and limited[0][1].reason == "rate_limited"
    answered_at, outcome = limited[0]
    too_early = [
        start
        for start, _, _ in channel.calls
        if answered_at < start < answered_at + outcome.after_seconds
    ]
    if os.environ.get("FAULTS_REPORT"):
        print(f"\n429: retry_after={outcome.after_seconds}s, sends started too early: {too_early}")
    assert too_early == [], (
        f"{len(too_early)} sends started within retry_after "
        f"({[round(s - answered_at, 3) for s in too_early]} s after the 429)"
    )
    assert result.delivered_once == total and result.duplicates == 0 and result.lost == []


@pytest.mark.parametrize("with_check_chat", [True, False], ids=["check-chat", "no-check-chat"])
async def test_transient_faults_deliver_every_message(
    database: Database, with_check_chat: bool
) -> None:
    async with EmulatorServer(token=TOKEN, limits=Limits.off(), seed=SEED) as emulator:
        check_chat = None
        if with_check_chat:
            operator = emulator.control.add_user(first_name="Operator")
            check_chat = emulator.control.add_group(operator.id, "In Beeld checks").id
        emulator.faults.set_rates(
            error_rate=0.1,
            slow_rate=0.1,
            slow_seconds=CLIENT_TIMEOUT * 1.5,
            drop_rate=0.1,
            drop_after_rate=0.1,
            methods=["sendMessage", "editMessageText"],
        )
        started = time.monotonic()
        channel, stats, total, chats = await run_wave(
            database,
            emulator,
            100,
            3,
            rate_per_second=100.0,
            # Transient retries wait at least the adapter's 2 s; keep the backoff above that short.
            retry_policy=RetryPolicy(base_seconds=0.5, cap_seconds=4.0, max_attempts=12),
            # A "slow" call is carried out half a client timeout after the client gave up:
            # a send bounds an unanswered one's id only after that.
            check_grace=CLIENT_TIMEOUT,
            check_patience=3.0,
            check_chat=check_chat,
        )
        elapsed = time.monotonic() - started
        injected = dict(emulator.faults.injected)
        result = await tally(database, emulator.control, chats)

    figures = {
        "messages": total,
        "send_calls": len(channel.calls),
        "faults": injected,
        "delivered": result.delivered_once,
        "lost": len(result.lost),
        "duplicates": result.duplicates,
        "duplicate_rate": round(result.duplicates / total, 4),
        "failed_for_good": stats.failed,  # type: ignore[attr-defined]
        "checked_found": stats.found,  # type: ignore[attr-defined]
        "checked_missing": stats.missing,  # type: ignore[attr-defined]
        "not_checked": stats.unchecked,  # type: ignore[attr-defined]
        "probes": channel.probes,
        "markers": stats.marks,  # type: ignore[attr-defined]
        "seconds": round(elapsed, 1),
    }
    if os.environ.get("FAULTS_REPORT"):
        print("\nAPI faults:", figures)
    assert sum(injected.values()) > total * 0.2, "the faults were not injected"
    assert result.lost == [] and result.delivered_once == total, figures
    assert result.out_of_order_chats == 0
    assert stats.found + stats.missing > 0, figures  # type: ignore[attr-defined]
    assert dict(result.status) == {"sent": total}
    if with_check_chat:  # every unanswered send was checked: exactly once
        assert (result.duplicates, stats.unchecked) == (0, 0), figures  # type: ignore[attr-defined]
        assert stats.marks > 0, figures  # type: ignore[attr-defined]
    else:  # a checked send is never shown twice: only one sent again unchecked can be
        assert result.duplicates <= stats.unchecked, figures  # type: ignore[attr-defined]
