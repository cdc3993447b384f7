"""Pacing: the dispatcher keeps Telegram's limits itself instead of collecting 429s.

Globally, sends start at a fixed spacing of 1/rate seconds (no bursts, so any sliding one-second
window holds at most `rate` starts). Per chat, two sends start at least `per_chat_interval`
apart. A global 429 pauses everything until its `retry_after` has passed. Times are monotonic
seconds from an injected clock, so tests compute exact send times without sleeping.

Spacing is kept twice. `take` paces when the dispatcher *starts* handling a message; between
that and the network call lies the send-time check in the database. When that write stalls (a
busy SQLite writer, a slow event loop), the messages started meanwhile would reach Telegram
together, and Telegram's bucket holds one second of sends: a longer stall turned into a burst of
429s. `send_wait` and `sent` therefore also limit the network calls themselves (the dispatcher
starts no new message while one waits there, so that backlog cannot grow).
"""

from __future__ import annotations

import math
from collections import deque


class Pacer:
    # Forget chats whose spacing has passed once this many are remembered (20,000 chats per run).
    PRUNE_ABOVE = 5000
    # How late the start of a send may be and still keep the grid (see `take`).
    CATCH_UP_SECONDS = 0.5

    def __init__(self, rate_per_second: float, per_chat_interval: float) -> None:
        if rate_per_second <= 0:
            raise ValueError("rate_per_second must be positive")
        if per_chat_interval < 0:
            raise ValueError("per_chat_interval must not be negative")
        self.spacing = 1.0 / rate_per_second
        self.per_chat_interval = per_chat_interval
        self._next_slot = -math.inf
        # The send gate: at most `_window_sends` network calls within any `_window` seconds.
        self._window_sends = max(1, math.floor(rate_per_second))
        self._window = self._window_sends / rate_per_second
        self._recent_sends: deque[float] = deque(maxlen=self._window_sends)
        self._paused_until = -math.inf
        self._chat_ready: dict[int, float] = {}
        self._chat_sent: dict[int, float] = {}

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
        # Keep to the grid when the loop started late: timers overshoot by a millisecond or
        # so, and a claim or a busy event loop holds it up for tens of milliseconds; counting
        # the next slot from `now` would lose that time for good (~3-6 % of 30/s). Catching up
        # is safe because the send gate holds the per-second limit on the calls themselves.
        # After a real gap (nothing to send) the next slot is counted from now.
        if 0 <= now - self._next_slot < self.CATCH_UP_SECONDS:
            self._next_slot += self.spacing
        else:
            self._next_slot = max(now, self._next_slot) + self.spacing
        self._chat_ready[chat_id] = now + self.per_chat_interval
        if len(self._chat_ready) > self.PRUNE_ABOVE:
            self._chat_ready = {c: t for c, t in self._chat_ready.items() if t > now}
        return previous

    def send_wait(self, chat_id: int, now: float) -> float:
        """Seconds until a network call to `chat_id` may be made; call `sent` when making it.

        Never inside a global pause, never within `per_chat_interval` of the previous call to
        the same chat, and never more than `rate` calls within any one second (the limit as
        Telegram states it). After smooth pacing by `take` this does not bite; it catches the
        bunch after a stall.
        """
        start = max(now, self._paused_until, self._chat_sent.get(chat_id, -math.inf))
        if len(self._recent_sends) == self._window_sends:
            start = max(start, self._recent_sends[0] + self._window)
        return start - now

    def sent(self, chat_id: int, now: float) -> None:
        """A network call to `chat_id` is made now."""
        self._recent_sends.append(now)
        self._chat_sent[chat_id] = now + self.per_chat_interval
        if len(self._chat_sent) > self.PRUNE_ABOVE:
            self._chat_sent = {c: t for c, t in self._chat_sent.items() if t > now}

    def untake(self, chat_id: int, previous: float) -> None:
        """The send did not happen (cancelled, held): the chat need not wait for it."""
        self._chat_ready[chat_id] = previous

    def pause_all(self, now: float, seconds: float) -> None:
        """A global 429: nobody gets a message before `seconds` have passed."""
        self._paused_until = max(self._paused_until, now + seconds)

    def hold_chat(self, chat_id: int, ready_at: float) -> None:
        """Not before `ready_at` to this chat (a per-chat 429, or a send by another worker)."""
        self._chat_ready[chat_id] = max(self._chat_ready.get(chat_id, -math.inf), ready_at)
