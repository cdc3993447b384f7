"""Writing to the outbox: always inside the caller's transaction.

An answer, the flow state it moves to and the reply to send are committed together, or not at
all; the dispatcher only ever sees committed rows.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.channels.base import OutgoingMessage
from bot.models.delivery import OutboxMessage

PRIORITY_ROUTINE = 0  # check-ins, reminders, re-offers
PRIORITY_REPLY = 10  # an answer to something the youth just did
PRIORITY_CRISIS = 100  # crisis replies skip the queue (and are resent after an unsure crash)


class Status(StrEnum):
    PENDING = "pending"  # waiting for `not_before`
    CLAIMED = "claimed"  # a dispatcher holds it (lease until `claimed_until`)
    SENDING = "sending"  # handed to the network; the result is not recorded yet
    CHECKING = "checking"  # the send went unanswered: asking the network whether it arrived
    SENT = "sent"
    FAILED = "failed"  # permanent error or blocked; `last_error` says why
    CANCELLED = "cancelled"  # not sent on purpose (consent, pause, unreachable); `last_error`
    UNCERTAIN = "uncertain"  # maybe delivered, could not be checked; not resent


# `session.info` key: the rows `enqueue` added in the session's transaction, for a caller that
# hands them straight to the dispatcher (`bot.conversations.router`).
ENQUEUED = "inbeeld_outbox_enqueued"

IN_FLIGHT = (Status.CLAIMED, Status.SENDING, Status.CHECKING)
FINAL = (Status.SENT, Status.FAILED, Status.CANCELLED, Status.UNCERTAIN)


async def enqueue(
    session: AsyncSession,
    message: OutgoingMessage,
    *,
    youth_id: int | None,
    staff_user_id: int | None = None,
    priority: int = PRIORITY_ROUTINE,
    requires_consent: bool = True,
    automated: bool = False,
    not_before: datetime | None = None,
    now: datetime,
    flush: bool = True,
) -> OutboxMessage:
    """Add `message` to the outbox in the caller's transaction and return the (flushed) row.

    `flush=False` leaves the row to the transaction's next flush (its id is not known yet):
    the rows of one transaction then go to the database together, in the order they were added.

    A message with neither youth nor staff is a reply to a chat we do not know yet (a wrong
    invitation link, say); it carries no personal data.
    `requires_consent`: re-check the youth's check-in consent at send time (False for the
    consent question itself, crisis replies and staff messages). `automated`: sent because a
    schedule said so; a pause cancels it and an open human conversation holds it.
    """
    if now.tzinfo is None or (not_before is not None and not_before.tzinfo is None):
        raise ValueError("outbox times must be timezone-aware; use the injected clock")
    if requires_consent and youth_id is None:
        raise ValueError("requires_consent=True needs a youth_id to check the consent of")
    if message.document is not None:
        raise ValueError("documents are not stored in the outbox; send them directly")
    row = OutboxMessage(
        chat_id=message.chat_id,
        youth_id=youth_id,
        staff_user_id=staff_user_id,
        priority=priority,
        payload=message.to_payload(),
        status=Status.PENDING,
        not_before=not_before or now,
        requires_consent=requires_consent,
        automated=automated,
        created_at=now,
    )
    session.add(row)
    session.info.setdefault(ENQUEUED, []).append(row)
    if flush:
        await session.flush()
    return row
