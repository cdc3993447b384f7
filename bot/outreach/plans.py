"""Keep a youth's stored contacts in line with their programme, participation and consent."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.consent.queries import has_active_consent
from bot.models import ScheduledContact, School, Youth
from bot.models.consent import ConsentEvent
from bot.scheduling import (
    DEFAULT_PROGRAMME_ID,
    ConsentState,
    ContactStatus,
    PlannedContact,
    Programme,
    StoredContact,
    plan_contacts,
    replan,
)
from bot.scheduling.contacts import ContactKind


async def programme_for(
    session: AsyncSession, youth: Youth, programmes: Mapping[str, Programme]
) -> Programme:
    """The youth's own programme, else the school's, else the default."""
    school = await session.get(School, youth.school_id)
    for candidate in (youth.programme_id, school.programme_id if school else None):
        if candidate and candidate in programmes:
            return programmes[candidate]
    return programmes[DEFAULT_PROGRAMME_ID]


async def consent_state(session: AsyncSession, youth: Youth) -> ConsentState:
    if await has_active_consent(session, youth.id):  # type: ignore[arg-type]
        return ConsentState.GIVEN
    asked = (
        await session.exec(
            select(ConsentEvent.id).where(ConsentEvent.youth_id == youth.id).limit(1)
        )
    ).first()
    return ConsentState.WITHDRAWN if asked is not None else ConsentState.MISSING


def to_row(youth_id: int, contact: PlannedContact) -> ScheduledContact:
    row = ScheduledContact(
        youth_id=youth_id,
        key=contact.key,
        kind=contact.kind,
        series="",
        label="",
        due_at=contact.due_at,
    )
    copy_into(row, contact)
    return row


def copy_into(row: ScheduledContact, contact: PlannedContact) -> None:
    row.kind = contact.kind
    row.series = contact.series
    row.label = contact.label
    row.flow_id = contact.flow
    row.due_at = contact.due_at
    row.nominal_date = contact.nominal_date
    row.expires_at = contact.expires_at
    row.parent_key = contact.parent_key
    row.note = contact.note


def to_contact(row: ScheduledContact) -> PlannedContact:
    return PlannedContact(
        key=row.key,
        kind=ContactKind(row.kind),
        series=row.series,
        label=row.label,
        due_at=row.due_at,
        flow=row.flow_id,
        nominal_date=row.nominal_date,
        expires_at=row.expires_at,
        parent_key=row.parent_key,
        note=row.note,
    )


async def sync_plan(
    session: AsyncSession,
    youth: Youth,
    programmes: Mapping[str, Programme],
    now: datetime,
    *,
    catch_up_first_checkin: bool = False,
) -> None:
    """Replan future contacts; past and handled ones are never touched.

    The first plan of a youth also stores contacts whose moment has passed (a late import): the
    tick's catch-up then sends only the most recent one and records the others as skipped.
    """
    programme = await programme_for(session, youth, programmes)
    wanted = plan_contacts(
        programme,
        youth.leaving_date,
        participation=youth.participation,
        profile=youth.profile,
        consent_state=await consent_state(session, youth),
    )
    rows = list(
        (
            await session.exec(
                select(ScheduledContact).where(ScheduledContact.youth_id == youth.id)
            )
        ).all()
    )
    if not rows:
        for contact in wanted:
            session.add(to_row(youth.id, contact))  # type: ignore[arg-type]
        return
    by_key = {row.key: row for row in rows}
    stored = [StoredContact(to_contact(row), ContactStatus(row.status)) for row in rows]
    result = replan(stored, wanted, now=now)
    missed = _first_checkin_still_due(rows, by_key, wanted, now) if catch_up_first_checkin else []
    for contact in [*result.add, *missed]:
        session.add(to_row(youth.id, contact))  # type: ignore[arg-type]
    for contact in result.update:
        row = by_key[contact.key]
        copy_into(row, contact)
        row.status = ContactStatus.PLANNED
        row.reason = None
        session.add(row)
    for key in result.cancel:
        row = by_key[key]
        row.status = ContactStatus.CANCELLED
        row.reason = "plan gewijzigd"
        row.handled_at = now
        session.add(row)


def _first_checkin_still_due(
    rows: list[ScheduledContact],
    by_key: dict[str, ScheduledContact],
    wanted: list[PlannedContact],
    now: datetime,
) -> list[PlannedContact]:
    """A youth who starts taking part late (consent in month 5, say) gets the check-in whose
    moment passed but is still worth sending, instead of silence until the next one; only
    while they never had a check-in, so a programme change never pulls in past contacts."""
    had_checkins = any(
        row.kind == ContactKind.CHECKIN
        and row.status in (ContactStatus.SENT, ContactStatus.SKIPPED)
        for row in rows
    )
    if had_checkins:
        return []
    return [
        contact
        for contact in wanted
        if contact.kind == ContactKind.CHECKIN
        and contact.key not in by_key
        and contact.due_at <= now
        and contact.expires_at is not None
        and contact.expires_at > now
    ]
