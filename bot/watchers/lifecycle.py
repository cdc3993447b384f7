"""The escalation lifecycle on stored rows: thin wrappers around `bot.escalation`'s pure model.

Each function loads the row, applies the pure transition (which refuses illegal moves with a
clear `EscalationError`), writes the new state, the who/when fields and the history, and sets
the next reminder. The caller's transaction commits it. The panel calls these; so do the
coordinator's Telegram buttons.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot import escalation as pure
from bot.escalation import DEFAULT_POLICY, AckPolicy, EscalationError, EscalationState
from bot.models import Escalation, StaffUser
from bot.signals import Severity


class EscalationNotFound(EscalationError):
    pass


def staff_label(staff: StaffUser) -> str:
    return f"staff:{staff.id}"


def _history_in(entries: list[dict[str, Any]]) -> tuple[pure.Transition, ...]:
    return tuple(
        pure.Transition(
            at=datetime.fromisoformat(e["at"]),
            by=str(e.get("by", "system")),
            from_state=EscalationState(e["from"]) if e.get("from") else None,
            to_state=EscalationState(e["to"]),
        )
        for e in entries
    )


def _history_out(history: tuple[pure.Transition, ...]) -> list[dict[str, Any]]:
    return [
        {
            "at": t.at.isoformat(),
            "by": t.by,
            "from": str(t.from_state) if t.from_state else None,
            "to": str(t.to_state),
        }
        for t in history
    ]


def to_pure(row: Escalation) -> pure.Escalation:
    history = _history_in(row.history or [])
    handover = None
    if row.handover_requested_at is not None and row.handover_receiver_organisation:
        requested_by = next(
            (t.by for t in reversed(history) if t.to_state is EscalationState.HANDOVER_REQUESTED),
            "system",
        )
        accepted = row.handover_accepted_at is not None
        handover = pure.Handover(
            requested_by=requested_by,
            requested_at=row.handover_requested_at,
            organisation=row.handover_receiver_organisation,
            receiver_name=None if accepted else row.handover_receiver_name,
            accepted_by=row.handover_receiver_name if accepted else None,
            accepted_at=row.handover_accepted_at,
        )
    closed_by = next(
        (t.by for t in reversed(history) if t.to_state is EscalationState.CLOSED), None
    )
    return pure.Escalation(
        id=str(row.id),
        youth_id=str(row.youth_id),
        severity=Severity(row.severity),
        opened_at=row.opened_at,
        state=EscalationState(row.state),
        acknowledged_by=f"staff:{row.acknowledged_by}" if row.acknowledged_by else None,
        acknowledged_at=row.acknowledged_at,
        handover=handover,
        outcome=pure.Outcome(row.outcome) if row.outcome else None,
        closed_by=closed_by,
        closed_at=row.closed_at,
        history=history,
    )


def schedule_reminder(row: Escalation, policy: AckPolicy = DEFAULT_POLICY) -> None:
    """Set `next_reminder_at` from the pure policy (None when nothing is pending)."""
    esc = to_pure(row)
    after = row.last_reminder_at or row.opened_at
    reminder = pure.next_reminder(esc, after, policy)
    row.next_reminder_at = reminder.at if reminder else None


def _write(row: Escalation, after: pure.Escalation, policy: AckPolicy) -> Escalation:
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
    row.history = _history_out(after.history)
    schedule_reminder(row, policy)
    return row


async def load(session: AsyncSession, escalation_id: int) -> Escalation:
    row = await session.get(Escalation, escalation_id)
    if row is None:
        raise EscalationNotFound(f"escalation {escalation_id} does not exist")
    return row


async def open_row(
    session: AsyncSession,
    *,
    youth_id: int,
    severity: Severity,
    coordinator_id: int | None,
    now: datetime,
    conversation: bool = False,
    policy: AckPolicy = DEFAULT_POLICY,
) -> Escalation:
    row = Escalation(
        youth_id=youth_id,
        state=str(EscalationState.OPEN),
        severity=str(severity),
        coordinator_id=coordinator_id,
        opened_at=now,
        conversation_requested_at=now if conversation else None,
        history=[{"at": now.isoformat(), "by": "system", "from": None, "to": "open"}],
    )
    session.add(row)
    await session.flush()
    schedule_reminder(row, policy)
    session.add(row)
    return row


async def collecting(session: AsyncSession, youth_id: int) -> list[Escalation]:
    """The youth's escalations that still collect signals, oldest first."""
    states = [str(s) for s in pure.COLLECTING_STATES]
    return list(
        (
            await session.exec(
                select(Escalation)
                .where(Escalation.youth_id == youth_id, col(Escalation.state).in_(states))
                .order_by(col(Escalation.opened_at), col(Escalation.id))
            )
        ).all()
    )


async def acknowledge(
    session: AsyncSession,
    escalation_id: int,
    staff: StaffUser,
    now: datetime,
    *,
    policy: AckPolicy = DEFAULT_POLICY,
) -> Escalation:
    row = await load(session, escalation_id)
    after = pure.acknowledge(to_pure(row), staff_label(staff), now)
    row.acknowledged_by = staff.id
    session.add(_write(row, after, policy))
    return row


async def start_work(
    session: AsyncSession,
    escalation_id: int,
    staff: StaffUser,
    now: datetime,
    *,
    policy: AckPolicy = DEFAULT_POLICY,
) -> Escalation:
    row = await load(session, escalation_id)
    after = pure.start_work(to_pure(row), staff_label(staff), now)
    session.add(_write(row, after, policy))
    return row


async def request_handover(
    session: AsyncSession,
    escalation_id: int,
    staff: StaffUser,
    now: datetime,
    *,
    receiver_name: str,
    organisation: str,
    policy: AckPolicy = DEFAULT_POLICY,
) -> Escalation:
    """Ask someone to take over. The coordinator stays responsible (and is reminded each working
    day) until the receiver accepts."""
    row = await load(session, escalation_id)
    after = pure.request_handover(
        to_pure(row), staff_label(staff), organisation, now, receiver_name=receiver_name
    )
    row.last_reminder_at = None
    session.add(_write(row, after, policy))
    return row


async def accept_handover(
    session: AsyncSession,
    escalation_id: int,
    staff: StaffUser,
    now: datetime,
    *,
    receiver_name: str,
    organisation: str,
    policy: AckPolicy = DEFAULT_POLICY,
) -> Escalation:
    """Record that `receiver_name` of `organisation` accepted (entered by `staff`)."""
    row = await load(session, escalation_id)
    after = pure.accept_handover(to_pure(row), receiver_name, organisation, now)
    session.add(_write(row, after, policy))
    return row


async def withdraw_handover(
    session: AsyncSession,
    escalation_id: int,
    staff: StaffUser,
    now: datetime,
    *,
    policy: AckPolicy = DEFAULT_POLICY,
) -> Escalation:
    row = await load(session, escalation_id)
    after = pure.withdraw_handover(to_pure(row), staff_label(staff), now)
    session.add(_write(row, after, policy))
    return row


async def close(
    session: AsyncSession,
    escalation_id: int,
    staff: StaffUser,
    now: datetime,
    outcome: str,
    *,
    policy: AckPolicy = DEFAULT_POLICY,
) -> Escalation:
    row = await load(session, escalation_id)
    after = pure.close(to_pure(row), outcome, staff_label(staff), now)  # type: ignore[arg-type]
    session.add(_write(row, after, policy))
    return row
