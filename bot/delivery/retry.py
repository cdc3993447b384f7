"""What to do with a `RetryLater`: honour a 429 exactly, back off from anything else.

Channel adapters say which kind of `RetryLater` they return through its `reason`:
- `rate_limited` (or starting with `rate_limited:`): HTTP 429 for the whole bot. The message
  waits exactly `after_seconds` and the whole dispatcher pauses that long.
- `rate_limited_chat`: HTTP 429 for this chat only; the message waits exactly `after_seconds`,
  other chats go on.
- anything else (5xx, timeout, reset): transient. Exponential backoff with jitter, capped, at
  least `after_seconds`; after `max_attempts` the message fails for good.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from bot.channels.base import RetryLater

RATE_LIMITED = "rate_limited"
RATE_LIMITED_CHAT = "rate_limited_chat"


class RetryKind(StrEnum):
    GLOBAL_RATE_LIMIT = "global_rate_limit"
    CHAT_RATE_LIMIT = "chat_rate_limit"
    TRANSIENT = "transient"


def classify(outcome: RetryLater) -> RetryKind:
    reason = outcome.reason
    if reason.startswith(RATE_LIMITED_CHAT):
        return RetryKind.CHAT_RATE_LIMIT
    if reason == RATE_LIMITED or reason.startswith(RATE_LIMITED + ":"):
        return RetryKind.GLOBAL_RATE_LIMIT
    return RetryKind.TRANSIENT


@dataclass(frozen=True)
class RetryPolicy:
    base_seconds: float = 2.0
    cap_seconds: float = 600.0
    max_attempts: int = 8  # transient failures only; 429s are always honoured

    def backoff(self, attempts: int, *, floor: float, jitter: float) -> float:
        """Delay after the `attempts`-th failed try; `jitter` in [0, 1) ("equal jitter")."""
        raw = min(self.cap_seconds, self.base_seconds * 2 ** max(0, attempts - 1))
        return max(floor, raw * (0.5 + jitter / 2))

    def gives_up(self, attempts: int) -> bool:
        return attempts >= self.max_attempts
