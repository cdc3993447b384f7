"""Telegram's sending limits as token buckets, driven by an injectable monotonic clock.

Telegram allows about 30 messages per second per bot and about 1 message per second per chat,
tolerating short bursts. A token bucket models exactly that: `rate` tokens per second refill a
bucket of `burst` tokens; a message needs one token.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, fields

Monotonic = Callable[[], float]


@dataclass
class Limits:
    """Which of Telegram's limits the emulator enforces; every one can be switched off alone."""

    per_chat_enabled: bool = True
    per_chat_rate: float = 1.0
    per_chat_burst: float = 3.0
    global_enabled: bool = True
    global_rate: float = 30.0
    global_burst: float = 30.0
    blocked_enabled: bool = True  # 403 for a user who blocked the bot
    callback_data_enabled: bool = True  # 400 BUTTON_DATA_INVALID over 64 bytes
    text_length_enabled: bool = True  # 400 for text over 4096 / caption over 1024 characters

    @classmethod
    def off(cls) -> Limits:
        """No rate limits and no size checks: for the offline demo."""
        return cls(
            per_chat_enabled=False,
            global_enabled=False,
            blocked_enabled=False,
            callback_data_enabled=False,
            text_length_enabled=False,
        )

    def to_dict(self) -> dict[str, float | bool]:
        return {f.name: getattr(self, f.name) for f in fields(self)}

    def update(self, changes: dict[str, object]) -> None:
        """Apply a partial change (from the control API); unknown or mistyped keys are refused."""
        known = {f.name: f for f in fields(self)}
        for key, value in changes.items():
            if key not in known:
                raise ValueError(f"unknown limit {key!r}; known: {sorted(known)}")
            current = getattr(self, key)
            if isinstance(current, bool):
                if not isinstance(value, bool):
                    raise ValueError(f"limit {key!r} needs true or false, got {value!r}")
            elif isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
                raise ValueError(f"limit {key!r} needs a positive number, got {value!r}")
            setattr(self, key, value)


class TokenBucket:
    def __init__(self, rate: float, burst: float, now: float) -> None:
        self.rate = rate
        self.burst = burst
        self._tokens = burst
        self._stamp = now

    def _refill(self, now: float) -> None:
        elapsed = max(0.0, now - self._stamp)
        self._tokens = min(self.burst, self._tokens + elapsed * self.rate)
        self._stamp = now

    def wait_time(self, now: float) -> float:
        """Seconds until one token is available (0 when one is available now)."""
        self._refill(now)
        if self._tokens >= 1:
            return 0.0
        return (1 - self._tokens) / self.rate

    def take(self, now: float) -> None:
        self._refill(now)
        self._tokens -= 1


class RateLimiter:
    """Decides whether a message to a chat may go out now, or how long the sender must wait."""

    def __init__(self, limits: Limits, monotonic: Monotonic = time.monotonic) -> None:
        self.limits = limits
        self._monotonic = monotonic
        self._global: TokenBucket | None = None
        self._chats: dict[int, TokenBucket] = {}

    def _bucket(self, bucket: TokenBucket | None, rate: float, burst: float) -> TokenBucket:
        now = self._monotonic()
        if bucket is None:
            return TokenBucket(rate, burst, now)
        # Limits may be changed at run time; keep the level but follow the new shape.
        bucket.rate, bucket.burst = rate, burst
        return bucket

    def acquire(self, chat_id: int) -> int | None:
        """Take a token for one message; returns None when allowed, else retry_after in seconds.

        Nothing is taken when the message is refused, so a refused sender does not dig itself
        deeper into the hole (Telegram behaves the same for short floods).
        """
        now = self._monotonic()
        waits: list[float] = []
        chat_bucket = global_bucket = None
        if self.limits.per_chat_enabled:
            chat_bucket = self._bucket(
                self._chats.get(chat_id), self.limits.per_chat_rate, self.limits.per_chat_burst
            )
            self._chats[chat_id] = chat_bucket
            waits.append(chat_bucket.wait_time(now))
        if self.limits.global_enabled:
            global_bucket = self._bucket(
                self._global, self.limits.global_rate, self.limits.global_burst
            )
            self._global = global_bucket
            waits.append(global_bucket.wait_time(now))
        wait = max(waits, default=0.0)
        if wait > 0:
            return max(1, math.ceil(wait))
        for bucket in (chat_bucket, global_bucket):
            if bucket is not None:
                bucket.take(now)
        return None

    def reset(self) -> None:
        self._global = None
        self._chats.clear()
