"""Sending without waiting in the outbox queue: the crisis reply and urgent alerts.

The message is first written as an outbox row already *claimed* by this sender (so the timeline
shows it and the dispatcher leaves it alone), in the caller's transaction. After the commit it is
sent straight through the channel with a short retry loop that honours `retry_after`, and the
row is marked sent (with Telegram's message id) or failed.

If this process dies before it sends, the claim's lease runs out and the dispatcher sends the
row as an ordinary crisis-priority message; if the retry budget runs out (a long 429 storm),
the row is handed to the dispatcher at once. A duplicate is possible in that window; for a
crisis reply a duplicate is better than none (the dispatcher's reconcile policy says the same).
"""

from __future__ import annotations

import asyncio
import logging
import secrets
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta

from sqlalchemy import update
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.channels.base import (
    Blocked,
    Channel,
    Delivered,
    Failed,
    OutgoingMessage,
    RetryLater,
    SendOutcome,
)
from bot.clock import Clock
from bot.delivery.outbox import PRIORITY_CRISIS, Status
from bot.models import OutboxMessage
from bot.storage.db import Database

log = logging.getLogger(__name__)

Sleep = Callable[[float], Awaitable[None]]

# Longer than the retry budget, so the dispatcher never takes over a row still being tried.
DIRECT_LEASE = timedelta(seconds=90)
RETRY_BUDGET_SECONDS = 45.0
MAX_ATTEMPTS = 8


class DirectSender:
    def __init__(
        self,
        database: Database,
        channel: Channel,
        clock: Clock,
        *,
        sleep: Sleep = asyncio.sleep,
        budget_seconds: float = RETRY_BUDGET_SECONDS,
        max_attempts: int = MAX_ATTEMPTS,
    ) -> None:
        self.database = database
        self.channel = channel
        self.clock = clock
        self.sleep = sleep
        self.budget_seconds = budget_seconds
        self.max_attempts = max_attempts
        self.worker_id = f"direct-{secrets.token_hex(4)}"

    async def prepare(
        self,
        session: AsyncSession,
        message: OutgoingMessage,
        *,
        youth_id: int | None,
        staff_user_id: int | None,
        now: datetime,
    ) -> OutboxMessage:
        """The outbox row for `message`, claimed by this sender; send it after the commit."""
        row = OutboxMessage(
            chat_id=message.chat_id,
            youth_id=youth_id,
            staff_user_id=staff_user_id,
            priority=PRIORITY_CRISIS,
            payload=message.to_payload(),
            status=Status.CLAIMED,
            not_before=now,
            claimed_by=self.worker_id,
            claimed_until=now + DIRECT_LEASE,
            requires_consent=False,
            automated=False,
            created_at=now,
        )
        session.add(row)
        await session.flush()
        return row

    async def send(self, outbox_id: int, message: OutgoingMessage) -> SendOutcome:
        """Try until delivered, refused, or the budget is spent; record the result on the row."""
        waited = 0.0
        outcome: SendOutcome = RetryLater(0.0, "not tried")
        for attempt in range(1, self.max_attempts + 1):
            try:
                outcome = await self.channel.send(message)
            except Exception as exc:  # a channel should answer with an outcome; treat as transient
                outcome = RetryLater(1.0, f"channel error: {type(exc).__name__}")
            if not isinstance(outcome, RetryLater):
                break
            wait = max(outcome.after_seconds, 0.5)
            if attempt == self.max_attempts or waited + wait > self.budget_seconds:
                break
            log.warning("direct send waits", extra={"outbox_id": outbox_id, "retry_after": wait})
            await self.sleep(wait)
            waited += wait
        await self._record(outbox_id, outcome)
        return outcome

    async def _record(self, outbox_id: int, outcome: SendOutcome) -> None:
        now = self.clock.now()
        mine = (
            col(OutboxMessage.id) == outbox_id,
            col(OutboxMessage.status) == Status.CLAIMED,
            col(OutboxMessage.claimed_by) == self.worker_id,
        )
        released = {"claimed_by": None, "claimed_until": None}
        if isinstance(outcome, Delivered):
            values = {
                "status": Status.SENT,
                "sent_at": now,
                "channel_message_id": outcome.message_id,
                "last_error": None,
                "attempts": 1,
            }
        elif isinstance(outcome, (Blocked, Failed)):
            values = {"status": Status.FAILED, "last_error": f"direct: {outcome.reason}"[:300]}
        else:
            # Out of budget: the dispatcher sends it next, ahead of everything routine.
            values = {
                "status": Status.PENDING,
                "not_before": now,
                "last_error": f"direct send gave up: {outcome.reason}"[:300],
            }
        async with self.database.transaction() as session:
            connection = await session.connection()
            result = await connection.execute(
                update(OutboxMessage).where(*mine).values(**values, **released)
            )
        if result.rowcount == 0:
            log.warning("direct send: row taken over before recording", extra={"id": outbox_id})
