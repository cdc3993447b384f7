"""Whether a person is talking with a youth right now, so automated questions should wait.

"An open human conversation" means: the youth has an escalation that a coordinator has taken up
and not yet closed or handed over, i.e. `Escalation.state` is `acknowledged` or `in_progress`.
An escalation that is only `open` (nobody has reacted yet) does not hold anything: the youth
should not go quiet on us because an alert is waiting. Handing over (`handover_requested`,
`handed_over`) and `closed` release the hold. The signals/handoff side opens and closes
escalations; this module only reads them.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.escalation.model import EscalationState
from bot.models import Escalation

HUMAN_STATES: frozenset[str] = frozenset(
    {EscalationState.ACKNOWLEDGED.value, EscalationState.IN_PROGRESS.value}
)


async def human_conversation_open(session: AsyncSession, youth_ids: Iterable[int]) -> set[int]:
    """The youths among `youth_ids` a person is talking with (the dispatcher's `hold_check`).

    One read-only query, so the dispatcher can call it inside its send-time transaction.
    """
    ids = sorted(set(youth_ids))
    if not ids:
        return set()
    statement = (
        select(Escalation.youth_id)
        .where(col(Escalation.youth_id).in_(ids), col(Escalation.state).in_(HUMAN_STATES))
        .distinct()
    )
    return set((await session.exec(statement)).all())
