"""Erasure: remove a youth and every row that refers to them (AVG art. 17).

The rows are found by walking the schema (`bot.privacy.schema`), and deleted children first, so
the database's foreign keys never see a dangling reference. What stays is one anonymous entry in
the audit log (`youth_erased`) saying that an erasure happened, when, why and by which staff
member: no youth id, no name.

Earlier audit entries keep their `youth_id` numbers on purpose: the log has no foreign keys, is
hash-chained (changing a row would break the chain) and must outlive the record (NEN 7513);
after erasure the number points at nothing.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy import MetaData, delete
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.audit.log import record_event
from bot.models import StaffUser, metadata
from bot.privacy.schema import YOUTH_TABLE, referring_tables, youth_rows

log = logging.getLogger(__name__)

ERASED_EVENT = "youth_erased"
_DELETE_CHUNK = 500


class ErasureReason(StrEnum):
    REQUEST = "request"  # the youth (or representative) asked; a staff member carried it out
    RETENTION = "retention"  # the retention period after the programme ended has passed


@dataclass(frozen=True)
class ErasureReport:
    rows_by_table: dict[str, int]

    @property
    def rows(self) -> int:
        return sum(self.rows_by_table.values())


async def erase_youth(
    session: AsyncSession,
    youth_id: int,
    staff: StaffUser | None,
    now: datetime,
    *,
    reason: ErasureReason = ErasureReason.REQUEST,
    schema: MetaData = metadata,
) -> ErasureReport:
    """Delete the youth and every row that refers to them, in the caller's transaction.

    `staff` is who carried out a request (None for the automatic retention sweep). Raises
    LookupError when there is no such youth, so a double request is visible to the caller.
    """
    youth_table = schema.tables[YOUTH_TABLE]
    exists = (await session.exec(youth_table.select().where(youth_table.c.id == youth_id))).first()
    if exists is None:
        raise LookupError("no such youth")
    # The ORM may hold rows we are about to delete with Core; push its pending work out first
    # and forget the instances afterwards, so nothing stale is written back.
    await session.flush()
    staff_id = staff.id if staff is not None else None
    found = await youth_rows(session, schema, youth_id)
    counts: dict[str, int] = {}
    for table in reversed(referring_tables(schema)):
        ids = sorted(found.ids.get(table.name, ()))
        if not ids:
            continue
        key = next(iter(table.primary_key.columns))
        for start in range(0, len(ids), _DELETE_CHUNK):
            await session.exec(delete(table).where(key.in_(ids[start : start + _DELETE_CHUNK])))
        counts[table.name] = len(ids)
    await session.exec(delete(youth_table).where(youth_table.c.id == youth_id))
    counts[YOUTH_TABLE] = 1
    _forget_deleted(session, found.ids, youth_id)
    await record_event(
        session,
        _At(now),
        action=ERASED_EVENT,
        actor_id=staff_id,
        youth_id=None,
        detail={"reason": str(reason), "rows": sum(counts.values())},
    )
    await session.flush()
    log.info(
        "youth_erased",
        extra={"reason": str(reason), "rows": sum(counts.values()), "tables": len(counts)},
    )
    return ErasureReport(counts)


@dataclass(frozen=True)
class _At:
    """The audit log takes a clock; erasure is given its moment."""

    moment: datetime

    def now(self) -> datetime:
        return self.moment


def _forget_deleted(session: AsyncSession, ids: dict[str, set[int]], youth_id: int) -> None:
    """Detach the ORM instances of deleted rows; the caller's other objects stay attached."""
    for instance in list(session):
        table = getattr(instance, "__tablename__", None)
        key = getattr(instance, "id", None)
        if (table == YOUTH_TABLE and key == youth_id) or key in ids.get(str(table), ()):
            session.expunge(instance)
