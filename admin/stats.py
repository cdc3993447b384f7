"""The figures behind the dashboard and the yearly report, aggregated in SQL (GROUP BY).

Definitions (the same on the dashboard and in the report):

- **Check-in sent**: a `ScheduledContact` of kind ``checkin`` with status ``sent``; its moment is
  ``handled_at`` (when it went out).
- **Answered check-in**: a sent check-in whose conversation (``Conversation.contact_id``) holds
  at least one `Answer`.
- **Wave**: all check-ins sent in one calendar month (Europe/Amsterdam on PostgreSQL; UTC on
  SQLite, the demo database). Response rate of a wave = answered / sent check-ins of that month.
- **In view**: among the youths who were sent at least one check-in, those who gave any answer
  at or after the moment their *last* check-in was sent. The contact window is thus "since the
  last check-in": a youth who answered that one is in view; one who went silent is not. A youth
  whose last check-in went out moments ago counts as not (yet) in view.
- **What youths are doing**: each youth's most recent answer to the ``activity`` question.
- **Open escalation**: any state but ``closed``; **overdue** when still ``open`` after its
  acknowledgement deadline (`admin.casework.ack_deadline`).

Every query starts from `admin.scope.youth_is_visible`, so a user sees only their own youths'
figures. Answer values may be encrypted at rest (privacy branch): the activity query groups by
the stored value and sums again by the decrypted value, so it is right either way.

Domain code: no aiohttp.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import case, cast, extract, func, literal, null, union_all
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from admin.casework import ack_deadline
from admin.scope import youth_is_visible
from bot.models import Answer, Conversation, Escalation, ScheduledContact, School, StaffUser, Youth

ACTIVITY_KEY = "activity"
ACTIVITIES = ("werk", "school", "stage", "dagbesteding", "niks")
DIMENSIONS = ("school", "municipality", "cohort")
SEVERITIES = ("urgent", "attention", "info")
WAVES_SHOWN = 12


@dataclass
class Figures:
    """One group's figures (one school, gemeente, cohort; or everything on the dashboard)."""

    youths: int = 0
    with_checkin: int = 0
    in_view: int = 0
    checkins_sent: int = 0
    checkins_answered: int = 0
    open_escalations: int = 0
    activities: Counter[str] = field(default_factory=Counter)


@dataclass(frozen=True)
class Wave:
    month: str  # "2026-09"
    sent: int
    answered: int
    activities: dict[str, int]


def _dimension(name: str | None) -> ColumnElement[Any]:
    if name == "school":
        return col(School.name)
    if name == "municipality":
        return col(Youth.municipality)
    if name == "cohort":
        return extract("year", col(Youth.leaving_date))
    return literal("")


def _key(value: object) -> str:
    return "" if value is None else str(int(value) if isinstance(value, float) else value)


def _answered() -> ColumnElement[int]:
    """1 for a contact whose conversation holds an answer, else NULL (for COUNT).

    An IN over a subquery becomes one hashed lookup table on PostgreSQL, whatever the planner
    believes about row counts (fresh tables have no statistics yet), so it never loops.
    """
    with_answer = (
        select(col(Conversation.contact_id))
        .join(Answer, col(Answer.conversation_id) == col(Conversation.id))
        .where(col(Conversation.contact_id).is_not(None))
    )
    return case((col(ScheduledContact.id).in_(with_answer), 1))


def _sent() -> list[ColumnElement[bool]]:
    return [ScheduledContact.kind == "checkin", ScheduledContact.status == "sent"]


async def figures(
    session: AsyncSession, user: StaffUser, dimension: str | None = None
) -> dict[str, Figures]:
    """Figures per group of `dimension` ("school", "municipality", "cohort"; None: one group
    with key ""), each a handful of GROUP BY queries."""
    dim = _dimension(dimension).label("grp")
    visible = youth_is_visible(user)
    result: dict[str, Figures] = {}

    def group(value: object) -> Figures:
        return result.setdefault(_key(value), Figures())

    def scoped(statement: Any) -> Any:
        return statement.join(School, col(School.id) == col(Youth.school_id)).where(visible)

    for value, count in (
        await session.exec(
            scoped(select(dim, func.count(col(Youth.id))).select_from(Youth)).group_by(dim)
        )
    ).all():
        group(value).youths = count

    for value, sent, replied in (
        await session.exec(
            scoped(
                select(dim, func.count(col(ScheduledContact.id)), func.count(_answered()))
                .select_from(ScheduledContact)
                .join(Youth, col(Youth.id) == col(ScheduledContact.youth_id))
                .where(*_sent())
            ).group_by(dim)
        )
    ).all():
        group(value).checkins_sent = sent
        group(value).checkins_answered = replied

    # One row per youth with the last check-in sent and the last answer given, from a single
    # GROUP BY over both kinds of event. Joined to `youth` by primary key, so the plan stays
    # cheap whatever the planner guesses (fresh tables have no statistics).
    moment = ScheduledContact.handled_at.type  # type: ignore[attr-defined]
    events = union_all(
        select(
            col(ScheduledContact.youth_id).label("youth_id"),
            col(ScheduledContact.handled_at).label("sent_at"),
            cast(null(), moment).label("answered_at"),
        ).where(*_sent()),
        select(
            col(Answer.youth_id).label("youth_id"),
            cast(null(), moment).label("sent_at"),
            col(Answer.answered_at).label("answered_at"),
        ),
    ).subquery()
    per_youth = (
        select(
            events.c.youth_id,
            func.max(events.c.sent_at).label("last_sent"),
            func.max(events.c.answered_at).label("last_answer"),
        )
        .group_by(events.c.youth_id)
        .subquery()
    )
    answered_since = case((per_youth.c.last_answer >= per_youth.c.last_sent, 1))
    for value, had, seen in (
        await session.exec(
            scoped(
                select(dim, func.count(per_youth.c.last_sent), func.count(answered_since))
                .select_from(per_youth)
                .join(Youth, col(Youth.id) == per_youth.c.youth_id)
                .where(per_youth.c.last_sent.is_not(None))
            ).group_by(dim)
        )
    ).all():
        group(value).with_checkin = had
        group(value).in_view = seen

    for value, count in (
        await session.exec(
            scoped(
                select(dim, func.count(col(Escalation.id)))
                .select_from(Escalation)
                .join(Youth, col(Youth.id) == col(Escalation.youth_id))
                .where(Escalation.state != "closed")
            ).group_by(dim)
        )
    ).all():
        group(value).open_escalations = count

    # Each youth's most recent activity answer: numbered newest first within the youth, then
    # joined to `youth` by primary key (a window, so no self-join on the answers).
    ranked = (
        select(
            col(Answer.youth_id).label("youth_id"),
            col(Answer.value).label("value"),
            func.row_number()
            .over(
                partition_by=col(Answer.youth_id),
                order_by=(col(Answer.answered_at).desc(), col(Answer.id).desc()),
            )
            .label("rank"),
        )
        .where(Answer.key == ACTIVITY_KEY)
        .subquery()
    )
    for value, activity, count in (
        await session.exec(
            scoped(
                select(dim, ranked.c.value, func.count())
                .select_from(ranked)
                .join(Youth, col(Youth.id) == ranked.c.youth_id)
                .where(ranked.c.rank == 1)
            ).group_by(dim, ranked.c.value)
        )
    ).all():
        group(value).activities[activity] += count
    return result


def month_of(column: Any, dialect: str, zone_name: str) -> ColumnElement[str]:
    if dialect == "postgresql":
        return func.to_char(func.timezone(zone_name, column), "YYYY-MM")
    return func.strftime("%Y-%m", column)


async def waves(
    session: AsyncSession, user: StaffUser, dialect: str, zone_name: str, limit: int = WAVES_SHOWN
) -> list[Wave]:
    """The last `limit` waves (months with check-ins sent), oldest first, with the activity
    answers given in each month."""
    visible = youth_is_visible(user)
    month = month_of(col(ScheduledContact.handled_at), dialect, zone_name).label("month")
    rows = (
        await session.exec(
            select(month, func.count(col(ScheduledContact.id)), func.count(_answered()))
            .select_from(ScheduledContact)
            .join(Youth, col(Youth.id) == col(ScheduledContact.youth_id))
            .where(*_sent(), visible)
            .group_by(month)
            .order_by(month.desc())
            .limit(limit)
        )
    ).all()
    months = sorted(rows)
    if not months:
        return []
    answer_month = month_of(col(Answer.answered_at), dialect, zone_name).label("month")
    activity_rows = (
        await session.exec(
            select(answer_month, col(Answer.value), func.count(col(Answer.id)))
            .select_from(Answer)
            .join(Youth, col(Youth.id) == col(Answer.youth_id))
            .where(Answer.key == ACTIVITY_KEY, visible, answer_month >= months[0][0])
            .group_by(answer_month, col(Answer.value))
        )
    ).all()
    per_month: dict[str, Counter[str]] = {}
    for when, activity, count in activity_rows:
        per_month.setdefault(when, Counter())[activity] += count
    return [
        Wave(when, sent, replied, dict(per_month.get(when, Counter())))
        for when, sent, replied in months
    ]


@dataclass(frozen=True)
class EscalationSummary:
    by_severity: dict[str, int]
    overdue: int

    @property
    def total(self) -> int:
        return sum(self.by_severity.values())


async def open_escalations(
    session: AsyncSession, user: StaffUser, now: datetime
) -> EscalationSummary:
    by_severity = dict(
        (
            await session.exec(
                select(Escalation.severity, func.count(col(Escalation.id)))
                .join(Youth, col(Youth.id) == col(Escalation.youth_id))
                .where(youth_is_visible(user), Escalation.state != "closed")
                .group_by(col(Escalation.severity))
            )
        ).all()
    )
    unacknowledged = (
        await session.exec(
            select(Escalation)
            .join(Youth, col(Youth.id) == col(Escalation.youth_id))
            .where(youth_is_visible(user), Escalation.state == "open")
        )
    ).all()
    overdue = 0
    for row in unacknowledged:
        try:
            overdue += ack_deadline(row) < now
        except ValueError:
            continue
    return EscalationSummary(by_severity, overdue)


def share(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def ordered(groups: dict[str, Figures]) -> Sequence[tuple[str, Figures]]:
    return sorted(groups.items(), key=lambda item: item[0])
