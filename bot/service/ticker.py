"""APScheduler only ticks: every planned contact lives in the database, so restarts lose nothing.

One interval job calls the tick coroutine; its jobs never hold state of their own.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import datetime, tzinfo

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.clock import Clock

log = logging.getLogger(__name__)

TickFunction = Callable[[], Awaitable[object]]


class Ticker:
    def __init__(
        self, tick: TickFunction, clock: Clock, *, zone: tzinfo, interval_seconds: float = 30.0
    ) -> None:
        self._tick = tick
        self._clock = clock
        self.interval_seconds = interval_seconds
        self.last_tick_at: datetime | None = None
        self.last_tick_ok: bool | None = None
        self._scheduler = AsyncIOScheduler(timezone=zone)

    async def tick_once(self) -> None:
        try:
            await self._tick()
        except Exception:
            self.last_tick_ok = False
            log.exception("tick failed; the next tick retries")
        else:
            self.last_tick_ok = True
        finally:
            self.last_tick_at = self._clock.now()

    def start(self) -> None:
        self._scheduler.add_job(
            self.tick_once,
            "interval",
            seconds=self.interval_seconds,
            id="tick",
            max_instances=1,
            coalesce=True,
            misfire_grace_time=int(self.interval_seconds),
            next_run_time=self._clock.now(),
        )
        self._scheduler.start()

    def shutdown(self) -> None:
        if self._scheduler.running:
            self._scheduler.shutdown(wait=False)

    @property
    def running(self) -> bool:
        return bool(self._scheduler.running)

    def alive(self, now: datetime) -> bool:
        if not self.running or self.last_tick_at is None:
            return self.running
        return (now - self.last_tick_at).total_seconds() < 3 * self.interval_seconds
