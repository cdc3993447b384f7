"""Pacing: the dispatcher keeps Telegram's limits itself instead of collecting 429s.

Globally, sends start at a fixed spacing of 1/rate seconds (no bursts, so any sliding one-second
window holds at most `rate` starts). Per chat, two sends start at least `per_chat_interval`
apart. A global 429 pauses everything until its `retry_after` has passed. Times are monotonic
seconds from an injected clock, so tests compute exact send times without sleeping.
"""

from __future__ import annotations

import math


class Pacer:
    # Forget chats whose spacing has passed once this many are remembered (20,000 chats per run).
    PRUNE_ABOVE = 5000

    def __init__(self, rate_per_second: float, per_chat_interval: float) -> None:
        if rate_per_second <= 0:
            raise ValueError("rate_per_second must be positive")
        if per_chat_interval < 0:
            raise ValueError("per_chat_interval must not be negative")
        self.spacing = 1.0 / rate_per_second
        self.per_chat_interval = per_chat_interval
        self._next_slot = -math.inf
        self._paused_until = -math.inf
        self._chat_ready: dict[int, float] = {}

    @property
    def paused_until(self) -> float:
        return self._paused_until

    def global_wait(self, now: float) -> float:
        """Seconds until the next send may start to anyone."""
        return max(0.0, max(self._next_slot, self._paused_until) - now)

    def chat_wait(self, chat_id: int, now: float) -> float:
        """Seconds until the next send may start to `chat_id`."""
        return max(0.0, self._chat_ready.get(chat_id, -math.inf) - now)

    def take(self, chat_id: int, now: float) -> float:
        """Record that a send to `chat_id` starts now (call only when both waits are zero).

        Returns the chat's previous ready time, for `untake` when the send does not happen.
        """
        previous = self._chat_ready.get(chat_id, -math.inf)
        self._next_slot = max(now, self._next_slot) + self.spacing
        self._chat_ready[chat_id] = now + self.per_chat_interval
        if len(self._chat_ready) > self.PRUNE_ABOVE:
            self._chat_ready = {c: t for c, t in self._chat_ready.items() if t > now}
        return previous

    def untake(self, chat_id: int, previous: float) -> None:
        """The send did not happen (cancelled, held): the chat need not wait for it."""
        self._chat_ready[chat_id] = previous

    def pause_all(self, now: float, seconds: float) -> None:
        """A global 429: nobody gets a message before `seconds` have passed."""
        self._paused_until = max(self._paused_until, now + seconds)

    def hold_chat(self, chat_id: int, ready_at: float) -> None:
        """Not before `ready_at` to this chat (a per-chat 429, or a send by another worker)."""
        self._chat_ready[chat_id] = max(self._chat_ready.get(chat_id, -math.inf), ready_at)
