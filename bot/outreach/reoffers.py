"""Evidence per school that the law's re-offer was made: what was sent when, and the answer.

Nothing new is stored for this: the `reoffer` ScheduledContact row (status, sent at, reason
when skipped) and the conversation it started (`Conversation.contact_id`) with its `reoffer`
answer already are the evidence; this module reads them together for the panel and CSV.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, tzinfo
from zoneinfo import ZoneInfo

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.models import Answer, Conversation, ScheduledContact, School, Youth
from bot.scheduling import ContactKind

REOFFER_ANSWER_KEY = "reoffer"
AMSTERDAM = ZoneInfo("Europe/Amsterdam")


@dataclass(frozen=True, slots=True)
class ReofferRecord:
    youth_id: int
    student_number: str
    first_name: str
    last_name: str | None
    school_id: int
    school_code: str
    school_name: str
    nominal_date: date | None  # one year (the programme's after_months) after leaving
    due_at: datetime
    status: str  # planned | sent | skipped | cancelled
    reason: str | None
    sent_at: datetime | None
    answer: str | None  # the flow's button id: ja | nee | bel
    answered_at: datetime | None


async def reoffer_evidence(
    session: AsyncSession, school_id: int | None = None
) -> list[ReofferRecord]:
    """Every re-offer contact (all statuses), per school, oldest first."""
    statement = (
        select(ScheduledContact, Youth, School)
        .join(Youth, col(Youth.id) == col(ScheduledContact.youth_id))
        .join(School, col(School.id) == col(Youth.school_id))
        .where(ScheduledContact.kind == ContactKind.REOFFER.value)
        .order_by(col(School.code), col(ScheduledContact.due_at), col(Youth.student_number))
    )
    if school_id is not None:
        statement = statement.where(Youth.school_id == school_id)
    rows = (await session.exec(statement)).all()
    answers = await _answers(session, [contact.id for contact, _, _ in rows])  # type: ignore[misc]
    records = []
    for contact, youth, school in rows:
        answer = answers.get(contact.id)  # type: ignore[arg-type]
        records.append(
            ReofferRecord(
                youth_id=youth.id,  # type: ignore[arg-type]
                student_number=youth.student_number,
                first_name=youth.first_name,
                last_name=youth.last_name,
                school_id=school.id,  # type: ignore[arg-type]
                school_code=school.code,
                school_name=school.name,
                nominal_date=contact.nominal_date,
                due_at=contact.due_at,
                status=contact.status,
                reason=contact.reason,
                sent_at=contact.handled_at if contact.status == "sent" else None,
                answer=answer[0] if answer else None,
                answered_at=answer[1] if answer else None,
            )
        )
    return records


async def _answers(
    session: AsyncSession, contact_ids: list[int]
) -> dict[int, tuple[str, datetime]]:
    """The latest `reoffer` answer per contact, through the conversation it started."""
    if not contact_ids:
        return {}
    statement = (
        select(Conversation.contact_id, Answer.value, Answer.answered_at)
        .join(Answer, col(Answer.conversation_id) == col(Conversation.id))
        .where(col(Conversation.contact_id).in_(contact_ids), Answer.key == REOFFER_ANSWER_KEY)
        .order_by(col(Answer.answered_at))
    )
    found: dict[int, tuple[str, datetime]] = {}
    for contact_id, value, answered_at in (await session.exec(statement)).all():
        found[contact_id] = (value, answered_at)  # later rows win
    return found


CSV_COLUMNS = (
    "school",
    "schoolnaam",
    "leerlingnummer",
    "voornaam",
    "achternaam",
    "heraanbod_datum",
    "gepland_op",
    "status",
    "reden",
    "verstuurd_op",
    "antwoord",
    "beantwoord_op",
)

# A cell starting with one of these is a formula in spreadsheet programs (CSV injection).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: object, zone: tzinfo) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.astimezone(zone).strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    text = str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def reoffers_csv(records: Iterable[ReofferRecord], zone: tzinfo = AMSTERDAM) -> str:
    """CSV (comma, UTF-8, local times) for schools' files; safe to open in a spreadsheet."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for r in records:
        writer.writerow(
            _cell(value, zone)
            for value in (
                r.school_code,
                r.school_name,
                r.student_number,
                r.first_name,
                r.last_name,
                r.nominal_date,
                r.due_at,
                r.status,
                r.reason,
                r.sent_at,
                r.answer,
                r.answered_at,
            )
        )
    return out.getvalue()
