"""What the service's periodic tick does for escalations: reminders, backups, e-mail fallback.

- Unacknowledged past the deadline (attention: 2 working days, urgent: 30 minutes): a reminder
  to the coordinator, then the backup coordinator (repeated per `bot.escalation.next_reminder`).
- A handover asked but not accepted: the coordinator, each working day.
- Blocked-bot events the dispatcher recorded (a 403 while sending) become signals.
- Alerts Telegram refused go by e-mail; pending e-mails are (re)tried.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.escalation import EscalationState, ReminderKind, next_reminder
from bot.events import BOT_BLOCKED, mark_handled, unhandled_events
from bot.models import Escalation, StaffUser, Youth
from bot.signals.vocabulary import EVENT_BLOCKED
from bot.watchers import lifecycle

if TYPE_CHECKING:
    from bot.watchers.service import WatchersService

log = logging.getLogger(__name__)

# A tick after a long outage sends one reminder of each kind, not one per missed slot.
MAX_CATCH_UP = 500


@dataclass
class TickReport:
    reminders: int = 0
    backups: int = 0
    handover_reminders: int = 0
    blocked_events: int = 0
    emails_sent: int = 0
    reminded: list[int] = field(default_factory=list)


async def run_tick(service: WatchersService, now: datetime) -> TickReport:
    report = TickReport()
    started_before = service.running_tasks()
    database = service.database
    async with database.transaction() as session:
        await _blocked_events(service, session, now, report)
    async with database.transaction() as session:
        due = (
            await session.exec(
                select(Escalation)
                .where(
                    col(Escalation.next_reminder_at).is_not(None),
                    col(Escalation.next_reminder_at) <= now,
                )
                .order_by(col(Escalation.next_reminder_at))
                .limit(200)
            )
        ).all()
        for row in due:
            await _remind(service, session, row, now, report)
    await service.notifier.fall_back_to_email()
    report.emails_sent = await service.notifier.deliver_emails()
    # Wait for the direct sends this tick started (urgent reminders), not for older ones.
    await service.settle(exclude=started_before)
    return report


async def _blocked_events(
    service: WatchersService, session: AsyncSession, now: datetime, report: TickReport
) -> None:
    events = await unhandled_events(session, BOT_BLOCKED)
    for event in events:
        youth = await session.get(Youth, event.youth_id) if event.youth_id else None
        if youth is not None:
            await service.youth_event(session, youth, EVENT_BLOCKED, now)
            report.blocked_events += 1
    await mark_handled(session, [e.id for e in events if e.id is not None], at=now)


async def _remind(
    service: WatchersService,
    session: AsyncSession,
    row: Escalation,
    now: datetime,
    report: TickReport,
) -> None:
    notifier = service.notifier
    policy = service.policy
    esc = lifecycle.to_pure(row)
    after = row.last_reminder_at or row.opened_at
    kinds: list[ReminderKind] = []
    for _ in range(MAX_CATCH_UP):
        reminder = next_reminder(esc, after, policy)
        if reminder is None or reminder.at > now:
            break
        if reminder.kind not in kinds:
            kinds.append(reminder.kind)
        after = reminder.at
    youth = await session.get(Youth, row.youth_id)
    if youth is None:
        row.next_reminder_at = None
        session.add(row)
        return
    coordinator = await session.get(StaffUser, row.coordinator_id) if row.coordinator_id else None
    urgent = row.severity == "urgent"
    for kind in kinds:
        if kind is ReminderKind.REMIND_COORDINATOR and coordinator is not None:
            await notifier.notify(session, "reminder", youth, coordinator, row, now, urgent=urgent)
            report.reminders += 1
        elif kind is ReminderKind.ALERT_BACKUP:
            backup = await notifier.backup_of(session, coordinator)
            target = backup or coordinator
            if target is not None:
                await notifier.notify(
                    session,
                    "backup" if backup else "reminder",
                    youth,
                    target,
                    row,
                    now,
                    urgent=urgent,
                )
            if backup is not None:
                row.backup_alerted_at = row.backup_alerted_at or now
                report.backups += 1
            else:
                log.warning("no backup coordinator", extra={"escalation_id": row.id})
        elif kind is ReminderKind.REMIND_HANDOVER:
            owner = await service.owner(session, row, youth)
            if owner is not None and row.state == EscalationState.HANDOVER_REQUESTED:
                await notifier.notify(session, "handover", youth, owner, row, now)
                report.handover_reminders += 1
    if kinds:
        report.reminded.append(row.id)  # type: ignore[arg-type]
    row.reminders_sent += len(kinds)
    row.last_reminder_at = after
    lifecycle.schedule_reminder(row, policy)
    session.add(row)
