"""Did a message arrive whose send went unanswered? Asked of the network before sending again.

A send can go unanswered: the process died between handing the message over and recording the
answer, or the answer was lost (a timeout, a dropped connection, a gateway error). Resending
blindly shows a delivered message twice; not resending loses one that never left. A
`ProbingChannel` lets us find out instead:

- Message ids grow with every message of the bot (Telegram numbers the messages of all a
  bot's private chats with one counter). When the row was marked `sending`, the highest id
  recorded in the outbox or seen by the sender was stored as `probe_from`: the message's own
  id is above it.
- A message that a later send returned, where that send started after the doubt arose, bounds
  it from above (the `ceiling`). Starting after the doubt matters: a request that timed out
  may still be carried out, so `grace` seconds must pass first.
- Between the two, every id not recorded as one of our sent messages is probed in the chat.
  One found: it arrived, the row is `sent` with that id. None: it never arrived, the row is
  sent again.

A probe edits the message into itself, which Telegram refuses as "not modified" exactly when
the id holds that text and those buttons, changing nothing on the phone. A probe that met
another text message of ours would change it, so a check runs only while no other message of
the chat is unaccounted for (sending, being checked, `uncertain`, or on the wire from a direct
send). Every other message of ours in the chat is then recorded with its id, or lies below
`probe_from` (a copy sent before a recorded resend of it), or is a document, which an edit of
the text cannot touch: each unrecorded id in the range that holds our text is the one we look
for. A chat's later messages wait for the check, as for any message in flight.

When nothing else is sent within `patience`, a `Marker` (if the deployment has a check chat)
sends a message nobody needs to read, in a basic group of the bot's own that shares the bot's
message counter: its id is the bound. Without one, when the range is too wide, or
when the chat has another message unaccounted for, the row is settled as before these checks:
a crash leaves it `uncertain` (crisis replies are sent again), an unanswered call is sent
again, which shows it twice if it had arrived. Of several rows left without a bound at once,
one is sent again first and the others wait another `patience`: that send bounds them.
"""

from __future__ import annotations

import math
from collections.abc import Set
from dataclasses import dataclass, replace
from datetime import datetime

from .outbox import PRIORITY_CRISIS
from .store import Claimed, Result, Retry, Unsure


@dataclass
class PendingCheck:
    message: Claimed
    # What to record if it cannot be checked: for a call of ours that went unanswered, the
    # retry it would have had (with its backoff); None for a row a stopped worker left.
    fallback: Result | None
    adopted_at: datetime  # wall clock
    bound_after: float  # monotonic: a message sent after this has a higher id
    give_up_at: float  # monotonic
    ceiling: int | None = None
    retry_at: float = -math.inf  # after a probe that met a transient error
    busy: bool = False

    @property
    def id(self) -> int:
        return self.message.id

    def saw(self, message_id: int, sent_at: float) -> None:
        """A send that started at `sent_at` (monotonic) returned `message_id`."""
        if sent_at > self.bound_after and (self.ceiling is None or message_id < self.ceiling):
            self.ceiling = message_id

    def ready(self, now: float) -> bool:
        return not self.busy and self.ceiling is not None and now >= self.retry_at


def candidates(low: int, high: int, recorded: Set[int]) -> list[int]:
    """The ids strictly between `low` and `high` that are not accounted for, lowest first."""
    return [i for i in range(low + 1, high) if i not in recorded]


def resends_unchecked(check: PendingCheck) -> bool:
    """Whether settling `check` without a check sends its message again."""
    if check.fallback is not None:
        return isinstance(check.fallback, Retry)
    return check.message.priority >= PRIORITY_CRISIS


def settle_unchecked(check: PendingCheck, now: datetime, why: str) -> Result:
    """The policy from before these checks, for a row that cannot be checked."""
    if isinstance(check.fallback, Retry):  # its backoff counts from now, not from the call
        waited = now - check.adopted_at
        return replace(check.fallback, not_before=check.fallback.not_before + waited)
    if check.fallback is not None:
        return check.fallback
    message = check.message
    if message.priority >= PRIORITY_CRISIS:
        return Retry(message.id, now, f"resent: a worker stopped while sending it ({why})")
    return Unsure(message.id, f"a worker stopped while sending it; maybe delivered ({why})")
