"""Consent questions asked of the database; the answers come from `bot.consent.rules`."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy import bindparam
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.consent.rules import is_active
from bot.models.consent import ConsentEvent, Purpose
from bot.models.youth import Youth


@dataclass(frozen=True)
class ConsentSubject:
    """The two facts about a youth the consent rules need."""

    youth_id: int
    date_of_birth: date
    representative_required: bool


# Built once (see bot.storage.dialects): the dispatcher asks this before every send.
LEDGER = select(ConsentEvent).where(
    col(ConsentEvent.youth_id).in_(bindparam("ids", expanding=True)),
    ConsentEvent.purpose == bindparam("purpose"),
)


async def ledger(
    session: AsyncSession, youth_ids: Iterable[int], purpose: str
) -> dict[int, list[ConsentEvent]]:
    """The ledger entries for `purpose` per youth, in one query."""
    ids = sorted(set(youth_ids))
    found: dict[int, list[ConsentEvent]] = defaultdict(list)
    if not ids:
        return found
    params = {"ids": ids, "purpose": purpose}
    for event in (await session.exec(LEDGER, params=params)).all():
        found[event.youth_id].append(event)
    return found


async def active_consents(
    session: AsyncSession, subjects: Sequence[ConsentSubject], purpose: str = Purpose.CHECKINS
) -> dict[int, bool]:
    """Current consent for many youths at once (the dispatcher asks this per batch)."""
    events = await ledger(session, (s.youth_id for s in subjects), purpose)
    return {
        s.youth_id: is_active(
            events.get(s.youth_id, ()),
            purpose=purpose,
            date_of_birth=s.date_of_birth,
            representative_required=s.representative_required,
        )
        for s in subjects
    }


async def has_active_consent(
    session: AsyncSession, youth_id: int, purpose: str = Purpose.CHECKINS
) -> bool:
    """Whether `youth_id` currently consents to `purpose`; False for an unknown youth."""
    youth = await session.get(Youth, youth_id)
    if youth is None:
        return False
    subject = ConsentSubject(youth_id, youth.date_of_birth, youth.representative_required)
    return (await active_consents(session, [subject], purpose))[youth_id]
