"""The two escalation steps the panel needs beyond `bot.watchers.lifecycle` (which holds the
lifecycle itself: acknowledge, start_work, request/accept/withdraw handover, close).

Domain code: no aiohttp.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel.ext.asyncio.session import AsyncSession

from bot import escalation as pure
from bot.escalation import EscalationError, EscalationState
from bot.models import Escalation, Role, StaffUser
from bot.watchers.lifecycle import load, to_pure


class NotACoordinator(EscalationError):
    pass


def ack_deadline(row: Escalation) -> datetime:
    """When this escalation must have been acknowledged (urgent: minutes; else working days).
    Raises ValueError for a severity the lifecycle does not know."""
    return pure.ack_deadline(to_pure(row))


async def assign(session: AsyncSession, escalation_id: int, coordinator: StaffUser) -> Escalation:
    """Give a case that is not closed to another coordinator (the caller checks the region)."""
    row = await load(session, escalation_id)
    if coordinator.role != Role.COORDINATOR or coordinator.disabled_at is not None:
        raise NotACoordinator(f"staff user {coordinator.id} is not an active coordinator")
    if row.state == EscalationState.CLOSED:
        raise pure.IllegalTransition(
            "assign", str(row.id), EscalationState.CLOSED, ["anything but closed"]
        )
    row.coordinator_id = coordinator.id
    session.add(row)
    return row
