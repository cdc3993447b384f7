"""What staff do to a youth from the panel, as domain functions (no aiohttp).

Each function changes rows in the caller's transaction; the views validate the form first,
write the audit entry and commit. Messages raised here are Dutch msgids the views translate.

Two functions stand in for other branches until those are merged (the lead reconciles):
`send_staff_message` (watchers: `WatchersService.send_staff_message`, same arguments and text)
and `erase_youth` (privacy: `bot.privacy.erasure.erase_youth`, same arguments).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import delete
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.channels.base import OutgoingMessage
from bot.consent.forms import PAPER_FORM
from bot.conversations.plans import PlanSync
from bot.delivery import PRIORITY_REPLY, enqueue
from bot.i18n import N_, Y_, render
from bot.models import ChatMessage, ConsentEvent, DomainEvent, OutboxMessage, StaffUser, Youth
from bot.models import metadata as schema
from bot.models.consent import ConsentAction, GivenBy, Purpose

PAPER_CHANNEL = "paper"
PANEL_CHANNEL = "panel"
WITHDRAWAL_VERSION = "panel-intrekking"
ERASED_EVENT = "youth_erased"
TELEGRAM_LIMIT = 4096

# The same msgid as the watchers branch, so both share one translation.
FROM_COORDINATOR = Y_("Bericht van {coordinator}: {message}")


class ActionRefused(ValueError):
    """The action cannot be done for this youth; the message (a Dutch msgid) says why."""


def pause(youth: Youth, until: date, reason: str, now: datetime) -> None:
    """No automated contact until `until` (the tick and the dispatcher check it at send time)."""
    youth.paused_until = until
    youth.pause_reason = reason
    youth.updated_at = now


def end_pause(youth: Youth, now: datetime) -> None:
    youth.paused_until = None
    youth.pause_reason = None
    youth.updated_at = now


async def send_staff_message(
    session: AsyncSession, youth: Youth, staff: StaffUser, text: str, now: datetime
) -> OutboxMessage:
    """A coordinator writes to a youth: through the outbox (no consent check: a person answers
    a person), and into the timeline as an outgoing message with its author."""
    if youth.telegram_chat_id is None:
        raise ActionRefused(N_("Deze jongere heeft Telegram nog niet gekoppeld."))
    body = render(FROM_COORDINATOR, youth.language, coordinator=staff.name, message=text)
    row = await enqueue(
        session,
        OutgoingMessage(chat_id=youth.telegram_chat_id, text=body[:TELEGRAM_LIMIT]),
        youth_id=youth.id,
        staff_user_id=staff.id,
        priority=PRIORITY_REPLY,
        requires_consent=False,
        now=now,
    )
    session.add(
        ChatMessage(
            youth_id=youth.id,
            direction="out",
            kind="relay",
            text=text,
            author_staff_id=staff.id,
            created_at=now,
        )
    )
    return row


@dataclass(frozen=True)
class ConsentGiver:
    """Who signed or asked: the youth themself (recorded by staff) or a representative."""

    given_by: GivenBy
    representative_name: str | None = None
    representative_relation: str | None = None


async def record_paper_consent(
    session: AsyncSession,
    youth: Youth,
    staff: StaffUser,
    giver: ConsentGiver,
    plans: PlanSync,
    now: datetime,
) -> ConsentEvent:
    """A signed paper form: a ledger entry with the form's version and hash, then replan."""
    event = ConsentEvent(
        youth_id=youth.id,  # type: ignore[arg-type]
        purpose=Purpose.CHECKINS,
        action=ConsentAction.GRANTED,
        given_by=giver.given_by,
        representative_name=giver.representative_name,
        representative_relation=giver.representative_relation,
        staff_user_id=staff.id,
        text_version=PAPER_FORM.version,
        text_sha256=PAPER_FORM.sha256,
        channel=PAPER_CHANNEL,
        recorded_at=now,
    )
    session.add(event)
    youth.participation = "ja"
    youth.updated_at = now
    session.add(youth)
    await plans.sync(session, youth, now)
    return event


async def record_withdrawal(
    session: AsyncSession,
    youth: Youth,
    staff: StaffUser,
    giver: ConsentGiver,
    plans: PlanSync,
    now: datetime,
) -> ConsentEvent:
    """The youth or their representative told staff to stop: one step, then replan (future
    check-ins are cancelled)."""
    event = ConsentEvent(
        youth_id=youth.id,  # type: ignore[arg-type]
        purpose=Purpose.CHECKINS,
        action=ConsentAction.WITHDRAWN,
        given_by=giver.given_by,
        representative_name=giver.representative_name,
        representative_relation=giver.representative_relation,
        staff_user_id=staff.id,
        text_version=WITHDRAWAL_VERSION,
        text_sha256=hashlib.sha256(WITHDRAWAL_VERSION.encode()).hexdigest(),
        channel=PANEL_CHANNEL,
        recorded_at=now,
    )
    session.add(event)
    youth.participation = "nee"
    youth.updated_at = now
    session.add(youth)
    await plans.sync(session, youth, now)
    return event


async def erase_youth(
    session: AsyncSession, youth_id: int, staff: StaffUser | None, now: datetime
) -> dict[str, int]:
    """Delete the youth and every row that points at them; returns rows deleted per table.

    Children go first (reverse dependency order), so foreign keys never see a dangling row.
    What remains is an anonymous event that an erasure happened (no youth id, no name); the
    audit log keeps the bare id number on purpose (no foreign key, hash-chained).
    """
    youth = await session.get(Youth, youth_id)
    if youth is None:
        raise LookupError("no such youth")
    await session.flush()
    session.expunge(youth)
    counts: dict[str, int] = {}
    for table in reversed(schema.sorted_tables):
        links = [
            fk.parent
            for fk in table.foreign_keys
            if fk.column.table.name == "youth" and fk.column.name == "id"
        ]
        for column in links:
            result = await session.exec(delete(table).where(column == youth_id))  # type: ignore[call-overload]
            if result.rowcount:
                counts[table.name] = counts.get(table.name, 0) + result.rowcount
    youth_table = schema.tables["youth"]
    await session.exec(delete(youth_table).where(youth_table.c.id == youth_id))  # type: ignore[call-overload]
    counts["youth"] = 1
    session.add(
        DomainEvent(
            kind=ERASED_EVENT,
            youth_id=None,
            data={"reason": "request", "staff_user_id": staff.id if staff else None},
            occurred_at=now,
        )
    )
    return counts
