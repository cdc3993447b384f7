"""A dispatcher process for the fault tests: `python -m tests.faults.wave_runner DB_URL API_URL`.

It is the service's sending half and nothing else (the same `Dispatcher` and `TelegramChannel`
`inbeeld run` builds), so a test can SIGKILL it at any moment and start it again. It drains the
outbox (retries included) and exits 0. The worker id is stable across restarts, as a supervisor
restarting one service would have it: at start `reconcile()` settles what the killed one left.
"""

from __future__ import annotations

import argparse
import asyncio
import os

from bot.channels.telegram import TelegramChannel, make_bot
from bot.channels.telegram.marker import TelegramMarker
from bot.clock import SystemClock
from bot.delivery import Dispatcher
from bot.privacy.crypto import KeyRing, configure_key_ring
from bot.storage.db import Database
from tests.faults.helpers import drain_until_settled

WORKER_ID = "fault-wave-runner"


async def run(
    database_url: str, api_url: str, token: str, rate: float, check_chat: int | None
) -> None:
    # Outbox payloads are encrypted at rest: the test hands over its data key.
    configure_key_ring(KeyRing(os.environ["INBEELD_DATA_KEY"].split(",")))
    database = Database(database_url)
    bot = make_bot(token, api_url)
    await bot.initialize()
    try:
        dispatcher = Dispatcher(
            database,
            TelegramChannel(bot),
            SystemClock(),
            worker_id=WORKER_ID,
            rate_per_second=rate,
            per_chat_interval=0.0,
            # The emulator carries out a request it has read within milliseconds, and a restart
            # takes far longer: any send after it bounds the killed process's unanswered ones.
            check_grace=0.0,
            check_patience=5.0,
            marker=TelegramMarker(bot, check_chat) if check_chat is not None else None,
        )
        # Like the service, which keeps running: a retry waits for its backoff, then goes.
        await drain_until_settled(dispatcher, database)
        stats = dispatcher.stats
        print(
            f"sent={stats.sent} retried={stats.retried} failed={stats.failed} "
            f"found={stats.found} missing={stats.missing} unchecked={stats.unchecked} "
            f"marks={stats.marks}",
            flush=True,
        )
    finally:
        await bot.shutdown()
        await database.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("database_url")
    parser.add_argument("api_url")
    parser.add_argument("--token", required=True)
    parser.add_argument("--rate", type=float, default=1000.0, help="sends per second")
    parser.add_argument("--check-chat", type=int, help="the check chat's id (a basic group)")
    args = parser.parse_args()
    asyncio.run(run(args.database_url, args.api_url, args.token, args.rate, args.check_chat))


if __name__ == "__main__":
    main()
