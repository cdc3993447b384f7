"""What one tick of the service does: several independent steps, each at its own pace.

A failing step is logged and retried next tick; it never keeps the other steps from running.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from bot.clock import Clock

log = logging.getLogger(__name__)


@dataclass
class Step:
    name: str
    run: Callable[[], Awaitable[object]]
    every: timedelta = timedelta(0)  # 0: every tick
    last_run: datetime | None = field(default=None, init=False)

    def due(self, now: datetime) -> bool:
        return self.last_run is None or now - self.last_run >= self.every


class Periodic:
    def __init__(self, clock: Clock, steps: list[Step]) -> None:
        self.clock = clock
        self.steps = steps

    async def tick(self) -> dict[str, bool]:
        """Runs every due step; returns which ran and whether each succeeded."""
        results: dict[str, bool] = {}
        for step in self.steps:
            now = self.clock.now()
            if not step.due(now):
                continue
            step.last_run = now
            try:
                await step.run()
            except Exception:
                log.exception("tick step failed; retried next tick", extra={"step": step.name})
                results[step.name] = False
            else:
                results[step.name] = True
        return results
