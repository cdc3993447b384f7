"""Retention: a youth's personal data is erased a set time after their programme ends.

The deadline is `term_end(programme, leaving_date)` plus ``INBEELD_RETENTION_MONTHS`` (default
12), counted in calendar months on the Amsterdam calendar day. Erasure is complete (see
`bot.privacy.erasure`): no anonymous copy of answers is kept. Statistics are therefore computed
over the data that is still kept; the anonymous ``youth_erased`` audit entries (reason
``retention``) say how many records left and when. Choosing deletion over anonymised
aggregates keeps the guarantee simple to check: after the deadline nothing about the youth is
left to re-identify.

The service tick calls `retention_sweep`; each youth is erased in a transaction of its own, and
one call handles at most `limit` youths, so a large backlog is cleared over several ticks
without one long transaction.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import date
from zoneinfo import ZoneInfo

from sqlmodel import col, select

from bot.clock import Clock
from bot.models import School, Youth
from bot.privacy.erasure import ErasureReason, erase_youth
from bot.scheduling import DEFAULT_PROGRAMME_ID, Programme, term_end
from bot.scheduling.calendar import add_months
from bot.storage.db import Database

log = logging.getLogger(__name__)

DEFAULT_RETENTION_MONTHS = 12
AMSTERDAM = ZoneInfo("Europe/Amsterdam")
SWEEP_LIMIT = 200


def erase_after(programme: Programme, leaving_date: date, months: int) -> date:
    """The first day on which the youth's data is no longer kept."""
    return add_months(term_end(programme, leaving_date), months)


def _programme(
    programmes: Mapping[str, Programme], own: str | None, school: str | None
) -> Programme:
    """Same choice as `bot.outreach.plans.programme_for`: own, else the school's, else default."""
    for candidate in (own, school):
        if candidate and candidate in programmes:
            return programmes[candidate]
    return programmes[DEFAULT_PROGRAMME_ID]


async def due_for_erasure(
    database: Database,
    programmes: Mapping[str, Programme],
    today: date,
    *,
    months: int = DEFAULT_RETENTION_MONTHS,
    limit: int = SWEEP_LIMIT,
) -> list[int]:
    """Ids of youths whose retention period has ended on `today`, oldest leavers first."""
    shortest = min(p.duration_months for p in programmes.values())
    # Nobody who left after this day can be due, whatever their programme.
    latest_leaving = add_months(today, -(shortest + months))
    async with database.session() as session:
        rows = (
            await session.exec(
                select(Youth.id, Youth.leaving_date, Youth.programme_id, School.programme_id)
                .join(School, col(School.id) == col(Youth.school_id))
                .where(col(Youth.leaving_date) <= latest_leaving)
                .order_by(col(Youth.leaving_date), col(Youth.id))
            )
        ).all()
    due = [
        youth_id
        for youth_id, leaving_date, own, school in rows
        if erase_after(_programme(programmes, own, school), leaving_date, months) <= today
    ]
    return [youth_id for youth_id in due if youth_id is not None][:limit]


async def retention_sweep(
    database: Database,
    clock: Clock,
    programmes: Mapping[str, Programme],
    *,
    months: int = DEFAULT_RETENTION_MONTHS,
    zone: ZoneInfo = AMSTERDAM,
    limit: int = SWEEP_LIMIT,
) -> int:
    """Erase every youth past their retention deadline (at most `limit` per call); returns how
    many were erased. Safe to run from several processes: a youth another process erased first
    is skipped."""
    today = clock.now().astimezone(zone).date()
    erased = 0
    for youth_id in await due_for_erasure(database, programmes, today, months=months, limit=limit):
        try:
            async with database.transaction() as session:
                await erase_youth(
                    session, youth_id, None, clock.now(), reason=ErasureReason.RETENTION
                )
        except LookupError:
            continue
        erased += 1
    if erased:
        log.info("retention_sweep", extra={"erased": erased, "months": months})
    return erased
