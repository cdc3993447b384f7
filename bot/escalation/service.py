"""The escalation lifecycle on stored rows: thin wrappers around the pure `bot.escalation` model.

Each function loads the row, applies the pure transition (which refuses illegal moves with a
clear `EscalationError`), writes the new state and its who/when fields and sets the next
reminder. The caller's transaction commits it; the caller also writes the audit entry.

The watchers branch carries the same API in `bot.watchers.lifecycle` (with a stored transition
history); the signatures here match it so the panel can switch to it without changes. Main has
no history column yet, so `to_pure` rebuilds the one fact the pure model needs from the row:
the time of the last change.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel.ext.asyncio.session import AsyncSession

from bot import escalation as pure
from bot.escalation.model import EscalationError, EscalationState, Outcome
from bot.models import Escalation, StaffUser
from bot.signals.model import Severity


class EscalationNotFound(EscalationError):
    pass


class NotACoordinator(EscalationError):
    pass


def staff_label(staff: StaffUser) -> str:
    return f"staff:{staff.id}"


def ack_deadline(row: Escalation) -> datetime:
    """When this escalation must have been acknowledged (urgent: minutes; else working days)."""
    return pure.ack_deadline(to_pure(row))


def _last_change(row: Escalation) -> datetime:
    moments = [
        row.opened_at,
        row.acknowledged_at,
        row.handover_requested_at,
        row.handover_accepted_at,
        row.closed_at,
    ]
    return max(m for m in moments if m is not None)


def to_pure(row: Escalation) -> pure.Escalation:
    state = EscalationState(row.state)
    handover = None
    if row.handover_requested_at is not None and row.handover_receiver_organisation:
        accepted = row.handover_accepted_at is not None
        handover = pure.Handover(
            requested_by="coordinator",
            requested_at=row.handover_requested_at,
            organisation=row.handover_receiver_organisation,
            receiver_name=None if accepted else row.handover_receiver_name,
            accepted_by=row.handover_receiver_name if accepted else None,
            accepted_at=row.handover_accepted_at,
        )
    return pure.Escalation(
        id=str(row.id),
        youth_id=str(row.youth_id),
        severity=Severity(row.severity),
        opened_at=row.opened_at,
        state=state,
        acknowledged_by=f"staff:{row.acknowledged_by}" if row.acknowledged_by else None,
        acknowledged_at=row.acknowledged_at,
        handover=handover,
        outcome=Outcome(row.outcome) if row.outcome else None,
        closed_at=row.closed_at,
        history=(pure.Transition(_last_change(row), "system", None, state),),
    )


def _write(row: Escalation, after: pure.Escalation, now: datetime) -> Escalation:
    row.state = str(after.state)
    row.acknowledged_at = after.acknowledged_at
    if after.handover is not None:
        row.handover_receiver_organisation = after.handover.organisation
        row.handover_requested_at = after.handover.requested_at
        row.handover_receiver_name = after.handover.accepted_by or after.handover.receiver_name
        row.handover_accepted_at = after.handover.accepted_at
    else:
        row.handover_receiver_organisation = None
        row.handover_requested_at = None
        row.handover_receiver_name = None
        row.handover_accepted_at = None
    row.outcome = str(after.outcome) if after.outcome else None
    row.closed_at = after.closed_at
    reminder = pure.next_reminder(after, now)
    row.next_reminder_at = reminder.at if reminder else None
    return row


async def load(session: AsyncSession, escalation_id: int) -> Escalation:
    row = await session.get(Escalation, escalation_id)
    if row is None:
        raise EscalationNotFound(f"escalation {escalation_id} does not exist")
    return row


async def acknowledge(
    session: AsyncSession, escalation_id: int, staff: StaffUser, now: datetime
) -> Escalation:
    row = await load(session, escalation_id)
    after = pure.acknowledge(to_pure(row), staff_label(staff), now)
    row.acknowledged_by = staff.id
    session.add(_write(row, after, now))
    return row


async def start_work(
    session: AsyncSession, escalation_id: int, staff: StaffUser, now: datetime
) -> Escalation:
    row = await load(session, escalation_id)
    after = pure.start_work(to_pure(row), staff_label(staff), now)
    session.add(_write(row, after, now))
    return row


async def request_handover(
    session: AsyncSession,
    escalation_id: int,
    staff: StaffUser,
    now: datetime,
    *,
    receiver_name: str,
    organisation: str,
) -> Escalation:
    """Ask a named person of an organisation to take over; the coordinator stays responsible
    until that person accepts."""
    row = await load(session, escalation_id)
    after = pure.request_handover(
        to_pure(row), staff_label(staff), organisation, now, receiver_name=receiver_name
    )
    session.add(_write(row, after, now))
    return row


async def accept_handover(
    session: AsyncSession,
    escalation_id: int,
    staff: StaffUser,
    now: datetime,
    *,
    receiver_name: str,
    organisation: str,
) -> Escalation:
    """Record that `receiver_name` of `organisation` accepted (entered by `staff`)."""
    row = await load(session, escalation_id)
    after = pure.accept_handover(to_pure(row), receiver_name, organisation, now)
    session.add(_write(row, after, now))
    return row


async def withdraw_handover(
    session: AsyncSession, escalation_id: int, staff: StaffUser, now: datetime
) -> Escalation:
    row = await load(session, escalation_id)
    after = pure.withdraw_handover(to_pure(row), staff_label(staff), now)
    session.add(_write(row, after, now))
    return row


async def close(
    session: AsyncSession, escalation_id: int, staff: StaffUser, now: datetime, outcome: str
) -> Escalation:
    row = await load(session, escalation_id)
    after = pure.close(to_pure(row), outcome, staff_label(staff), now)  # type: ignore[arg-type]
    session.add(_write(row, after, now))
    return row


async def assign(
    session: AsyncSession, escalation_id: int, coordinator: StaffUser, now: datetime
) -> Escalation:
    """Give a still-open case to another coordinator (the caller checks it is one of theirs)."""
    row = await load(session, escalation_id)
    if coordinator.role != "coordinator" or coordinator.disabled_at is not None:
        raise NotACoordinator(f"staff user {coordinator.id} is not an active coordinator")
    if row.state == EscalationState.CLOSED:
        raise pure.IllegalTransition("assign", str(row.id), EscalationState.CLOSED, ["not closed"])
    row.coordinator_id = coordinator.id
    session.add(row)
    return row
