"""An in-process emulator with a probe that timestamps every message as it lands in a chat.

The emulator's own message dates are whole seconds (like Telegram's); latency and wave timing
need better, so the probe wraps the emulator state's `add_message` on this one instance and
records `time.perf_counter()` for each bot message. The emulator runs in the benchmark's process
and event loop: its CPU time counts against the measured service (the same holds for the echo
bot it is compared with).
"""

from __future__ import annotations

import asyncio
import time
from collections import defaultdict
from typing import Any

from bot.emulator import EmulatorServer, Limits


class DeliveryProbe:
    def __init__(self, emulator: EmulatorServer) -> None:
        self.bot_messages = 0
        self.first_at: float | None = None
        self.last_at: float | None = None
        self.arrivals: dict[int, list[float]] = defaultdict(list)  # chat -> bot message times
        self.times: list[float] = []  # every bot message, in arrival order
        self._changed = asyncio.Event()
        state = emulator.control.state
        original = state.add_message

        def add_message(chat: Any, sender: str, *args: Any, **kwargs: Any) -> Any:
            stored = original(chat, sender, *args, **kwargs)
            if sender == "bot":
                now = time.perf_counter()
                self.bot_messages += 1
                self.first_at = self.first_at or now
                self.last_at = now
                self.arrivals[chat.user.id].append(now)
                self.times.append(now)
                self._changed.set()
            return stored

        state.add_message = add_message  # type: ignore[method-assign]

    async def wait_for(self, count: int, timeout: float) -> bool:  # noqa: ASYNC109
        """Until `count` bot messages arrived in total; False on timeout."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while self.bot_messages < count:
            remaining = deadline - loop.time()
            if remaining <= 0:
                return False
            self._changed.clear()
            try:
                async with asyncio.timeout(min(remaining, 1.0)):
                    await self._changed.wait()
            except TimeoutError:
                pass
        return True

    def rate_between(self, start: float, end: float) -> float:
        """Bot messages per second that arrived in [start, end)."""
        if end <= start:
            return 0.0
        return sum(1 for t in self.times if start <= t < end) / (end - start)

    def longest_gap(self) -> float:
        """The longest time without any bot message arriving, in seconds."""
        return max((b - a for a, b in zip(self.times, self.times[1:], strict=False)), default=0.0)


def add_started_users(emulator: EmulatorServer, users: list[tuple[int, str, str]]) -> None:
    """Create users who have written to the bot before (so the bot may write to them).

    Setting `User.started` is what a first message does in the emulator, without queueing
    20,000 /start updates nobody reads.
    """
    for user_id, first_name, language in users:
        emulator.control.add_user(user_id, first_name, language).started = True


def limits(on: bool) -> Limits:
    return Limits() if on else Limits.off()
