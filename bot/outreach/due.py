"""Finding and claiming due contacts.

Finding is one indexed query (`ix_scheduledcontact_status_due_at`): with nothing due it reads no
row and does no per-youth work. Claiming happens for a batch of youths at the start of the
transaction that acts on them, so two service processes never act on the same contact:

- PostgreSQL: `SELECT ... FOR UPDATE SKIP LOCKED` on all of the youths' planned rows. A second
  process skips the youths the first one is working on, and after the first one commits its
  re-check sees the rows as no longer planned.
- SQLite ignores `FOR UPDATE`. There the claim is an `UPDATE ... RETURNING` that changes
  nothing: as the transaction's first write it takes the database's write lock (waiting up to
  the busy timeout), so everything the transaction reads afterwards is current and no other
  writer can interleave until it commits.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from sqlalchemy import or_, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.models import ScheduledContact, Youth
from bot.scheduling import ContactStatus
from bot.storage.dialects import dialect_of

PLANNED = ContactStatus.PLANNED.value
_TABLE = ScheduledContact.__table__  # type: ignore[attr-defined]


async def due_youth_ids(
    session: AsyncSession, now: datetime, today: date, *, after: int = 0, limit: int = 200
) -> list[int]:
    """Youths with a planned contact due at `now`, by id after `after` (keyset pages).

    Paused youths are left out here (their contacts stay planned until the pause ends, when
    catch-up decides what is still worth sending), so a long pause costs no work per tick.
    """
    statement = (
        select(ScheduledContact.youth_id)
        .join(Youth, col(Youth.id) == col(ScheduledContact.youth_id))
        .where(
            ScheduledContact.status == PLANNED,
            col(ScheduledContact.due_at) <= now,
            col(ScheduledContact.youth_id) > after,
            or_(col(Youth.paused_until).is_(None), col(Youth.paused_until) < today),
        )
        .distinct()
        .order_by(col(ScheduledContact.youth_id))
        .limit(limit)
    )
    return list((await session.exec(statement)).all())


async def claim_planned_many(
    session: AsyncSession, youth_ids: Sequence[int], *, due_by: datetime | None = None
) -> dict[int, list[ScheduledContact]]:
    """Lock the planned contacts of `youth_ids` for this transaction, per youth (by row id);
    with `due_by`, only those due by then (a youth's later contacts are not read at all).

    Youths another process is working on are missing from the answer.
    """
    if not youth_ids:
        return {}
    dialect = dialect_of(session)
    due = () if due_by is None else (col(ScheduledContact.due_at) <= due_by,)
    if dialect == "postgresql":
        statement = (
            select(ScheduledContact)
            .where(
                col(ScheduledContact.youth_id).in_(youth_ids),
                ScheduledContact.status == PLANNED,
                *due,
            )
            .order_by(col(ScheduledContact.id))
            .with_for_update(skip_locked=True)
        )
        return _per_youth((await session.exec(statement)).all())
    claim = (
        update(_TABLE)
        .where(_TABLE.c.youth_id.in_(youth_ids), _TABLE.c.status == PLANNED, *due)
        .values(status=_TABLE.c.status)
        .returning(_TABLE.c.id)
    )
    connection = await session.connection()
    ids = list((await connection.execute(claim)).scalars())
    if not ids:
        return {}
    rows = await session.exec(
        select(ScheduledContact)
        .where(col(ScheduledContact.id).in_(ids))
        .order_by(col(ScheduledContact.id))
        .execution_options(populate_existing=True)
    )
    return _per_youth(rows.all())


def _per_youth(rows: Sequence[ScheduledContact]) -> dict[int, list[ScheduledContact]]:
    found: dict[int, list[ScheduledContact]] = {}
    for row in rows:
        found.setdefault(row.youth_id, []).append(row)
    return found
