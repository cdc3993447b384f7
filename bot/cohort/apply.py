"""Apply a cohort file to the database: youths, the declined-offer evidence and their contacts.

All-or-nothing: any error in the file and nothing is written. The caller owns the transaction
(`Database.transaction()`), so a failure half-way rolls everything back.

Built for 20,000 rows: a handful of set-based queries instead of one round trip per youth.
The contacts are planned with the same pure planner and the same rules as
`bot.outreach.plans.sync_plan` (programme, consent state, first plan vs replan), in bulk.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Any, NamedTuple

from sqlalchemy import insert, update
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.cohort.dryrun import ChangeKind, DryRunReport, RowChange, diff_cohort
from bot.cohort.messages import Lang
from bot.cohort.model import CohortRow, Participation
from bot.cohort.parser import parse_cohort
from bot.consent.rules import is_active
from bot.conversations.plans import PlanSync
from bot.models import ConsentEvent, Role, ScheduledContact, School, StaffUser, Youth
from bot.models.consent import ConsentAction, GivenBy, Purpose
from bot.outreach.plans import to_contact
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

IMPORT_CHANNEL = "import"
_CONTACT_COLUMNS = (
    "id",
    "youth_id",
    "key",
    "kind",
    "series",
    "label",
    "flow_id",
    "due_at",
    "nominal_date",
    "expires_at",
    "parent_key",
    "note",
    "status",
)
_CHUNK = 500  # ids per IN (...) list: far below SQLite's and psycopg's parameter limits


class _School(NamedTuple):
    id: int
    code: str
    programme_id: str | None
    default_coordinator_id: int | None


class _Stored(NamedTuple):
    """The columns of an existing youth the import compares and replans with."""

    id: int
    school_id: int
    student_number: str
    first_name: str
    last_name: str | None
    date_of_birth: date
    leaving_date: date
    profile: str
    municipality: str
    language: str
    participation: str
    coordinator_id: int | None
    programme_id: str | None
    representative_required: bool


class _Planned(NamedTuple):
    """What the planner needs of a youth, without loading ORM objects."""

    id: int
    school_id: int
    programme_id: str | None
    leaving_date: date
    participation: str
    profile: str
    date_of_birth: date
    representative_required: bool


@dataclass(frozen=True)
class ImportResult:
    """What an import did (or, for a dry run or a file with errors, would do)."""

    report: DryRunReport
    dry_run: bool
    lang: Lang = "nl"
    declined_recorded: int = 0
    contacts_added: int = 0
    contacts_updated: int = 0
    contacts_cancelled: int = 0
    # Lines whose `deelname` was not applied: the youth answered in the bot themselves.
    participation_kept: tuple[int, ...] = ()

    @property
    def ok(self) -> bool:
        return self.report.ok

    @property
    def written(self) -> bool:
        return self.ok and not self.dry_run

    def error_messages(self) -> list[str]:
        return [issue.message(self.lang) for issue in self.report.errors]

    def warning_messages(self) -> list[str]:
        return [issue.message(self.lang) for issue in self.report.warnings]

    def change_lines(self) -> list[str]:
        """One line per updated youth naming the changed columns (Dutch column names)."""
        template = (
            "Line {line}, student {number}: {columns}"
            if self.lang == "en"
            else "Regel {line}, leerling {number}: {columns}"
        )
        return [
            template.format(
                line=change.row.line,
                number=change.row.student_number,
                columns=", ".join(field.column for field in change.changes),
            )
            for change in self.report.rows
            if change.kind is ChangeKind.UPDATED
        ]

    def participation_notes(self) -> list[str]:
        template = (
            "Line {line}: participation from the file not applied: the student chose in the "
            "chat themselves."
            if self.lang == "en"
            else "Regel {line}: deelname uit het bestand niet overgenomen: de jongere heeft "
            "zelf in de chat gekozen."
        )
        return [template.format(line=line) for line in self.participation_kept]

    def summary(self) -> str:
        if not self.written:
            return self.report.summary(self.lang)
        report = self.report
        if self.lang == "en":
            lines = [
                "Import done.",
                f"New: {report.created}. Updated: {report.updated}. Unchanged: {report.unchanged}.",
                f"Declined offers recorded: {self.declined_recorded}.",
                f"Contacts planned: {self.contacts_added} new, {self.contacts_updated} moved, "
                f"{self.contacts_cancelled} cancelled.",
            ]
            ignored = "Ignored columns: {names}."
        else:
            lines = [
                "Import klaar.",
                f"Nieuw: {report.created}. Gewijzigd: {report.updated}. "
                f"Ongewijzigd: {report.unchanged}.",
                f"Afgewezen aanbod vastgelegd: {self.declined_recorded}.",
                f"Contactmomenten: {self.contacts_added} nieuw, {self.contacts_updated} verzet, "
                f"{self.contacts_cancelled} geschrapt.",
            ]
            ignored = "Genegeerde kolommen: {names}."
        if report.ignored_columns:
            names = ", ".join(f"'{name}'" for name in report.ignored_columns)
            lines.append(ignored.format(names=names))
        return "\n".join(lines)


async def import_cohort(
    session: AsyncSession,
    data: bytes,
    *,
    dry_run: bool,
    plans: PlanSync,
    now: datetime,
    lang: Lang = "nl",
    actor_id: int | None = None,
) -> ImportResult:
    """Check `data` against the database and, unless `dry_run` or any error, apply it.

    Youths are keyed by (school, student number): a re-import updates, never duplicates.
    An empty `begeleider` keeps the youth's current coordinator, else the school's default.
    `deelname` is not applied when it is `onbekend` for a known youth, or when the youth (or
    their representative) answered the consent question in the bot: their own word wins.
    """
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    await session.flush()  # the bulk statements below do not see unflushed objects
    schools = await _load_schools(session)
    staff_emails, coordinators = await _load_staff(session)
    parsed = parse_cohort(data, known_schools=schools, known_coordinators=coordinators)
    if not parsed.ok:
        return ImportResult(diff_cohort(parsed, {}), dry_run=dry_run, lang=lang)

    school_ids = {schools[row.school_code].id for row in parsed.rows}
    codes = {school.id: school.code for school in schools.values()}
    existing = await _load_youths(session, school_ids)
    decided = await _decided_themselves(session, school_ids)
    resolved = [
        _resolve(row, schools[row.school_code], existing, decided, coordinators, staff_emails)
        for row in parsed.rows
    ]
    kept = tuple(
        row.line
        for row, final in zip(parsed.rows, resolved, strict=True)
        if row.participation is not Participation.ONBEKEND
        and row.participation is not final.participation
    )
    records = {
        (codes[stored.school_id], stored.student_number): _record(stored, staff_emails)
        for stored in existing.values()
    }
    report = diff_cohort(replace(parsed, rows=tuple(resolved)), records)
    if dry_run:
        return ImportResult(report, dry_run=True, lang=lang, participation_kept=kept)

    writer = _Writer(session, now, schools, coordinators, existing)
    await writer.write_youths(report.rows)
    declined = await writer.record_declines(report.rows, hashlib.sha256(data).hexdigest(), actor_id)
    planner = _BulkPlanner(session, plans.programmes, now)
    await planner.plan([writer.planned(change) for change in report.rows if _changed(change)])
    return ImportResult(
        report,
        dry_run=False,
        lang=lang,
        declined_recorded=declined,
        contacts_added=planner.added,
        contacts_updated=planner.updated,
        contacts_cancelled=planner.cancelled,
        participation_kept=kept,
    )


# -- reading ------------------------------------------------------------------------------------


async def _load_schools(session: AsyncSession) -> dict[str, _School]:
    rows = await session.exec(
        select(School.id, School.code, School.programme_id, School.default_coordinator_id)
    )
    return {row[1]: _School(*row) for row in rows.all()}  # type: ignore[arg-type]


async def _load_staff(session: AsyncSession) -> tuple[dict[int, str], dict[str, int]]:
    """All staff e-mails by id (for stored coordinators), and the active coordinators."""
    rows = (
        await session.exec(
            select(StaffUser.id, StaffUser.email, StaffUser.role, StaffUser.disabled_at)
        )
    ).all()
    emails = {row[0]: row[1] for row in rows}
    coordinators = {row[1]: row[0] for row in rows if row[2] == Role.COORDINATOR and row[3] is None}
    return emails, coordinators  # type: ignore[return-value]


async def _load_youths(
    session: AsyncSession, school_ids: Iterable[int]
) -> dict[tuple[int, str], _Stored]:
    columns = [getattr(Youth, name) for name in _Stored._fields]
    rows = await session.exec(select(*columns).where(col(Youth.school_id).in_(sorted(school_ids))))
    return {(row[1], row[2]): _Stored(*row) for row in rows.all()}


async def _decided_themselves(session: AsyncSession, school_ids: Iterable[int]) -> set[int]:
    """Youths of these schools with their own (or their representative's) consent answer."""
    rows = await session.exec(
        select(ConsentEvent.youth_id)
        .join(Youth, col(Youth.id) == col(ConsentEvent.youth_id))
        .where(
            col(Youth.school_id).in_(sorted(school_ids)),
            col(ConsentEvent.purpose) == Purpose.CHECKINS,
            col(ConsentEvent.given_by).in_([GivenBy.YOUTH, GivenBy.REPRESENTATIVE]),
        )
        .distinct()
    )
    return set(rows.all())


def _resolve(
    row: CohortRow,
    school: _School,
    existing: Mapping[tuple[int, str], _Stored],
    decided: set[int],
    coordinators: Mapping[str, int],
    staff_emails: Mapping[int, str],
) -> CohortRow:
    """The row as it will be stored: the coordinator it ends up with, the participation kept."""
    stored = existing.get((school.id, row.student_number))
    if row.coordinator_email:
        coordinator_id: int | None = coordinators[row.coordinator_email]
    elif stored is not None and stored.coordinator_id is not None:
        coordinator_id = stored.coordinator_id  # e.g. reassigned in the panel: keep it
    else:
        coordinator_id = school.default_coordinator_id
    participation = row.participation
    if stored is not None and (
        participation is Participation.ONBEKEND  # "unknown" is not a new answer
        or stored.id in decided  # the youth's own answer in the bot beats a school's list
    ):
        participation = Participation(stored.participation)
    return replace(
        row,
        coordinator_email=staff_emails.get(coordinator_id) if coordinator_id else None,
        participation=participation,
    )


def _record(stored: _Stored, staff_emails: Mapping[int, str]) -> dict[str, object]:
    return {
        "first_name": stored.first_name,
        "last_name": stored.last_name,
        "date_of_birth": stored.date_of_birth,
        "leaving_date": stored.leaving_date,
        "profile": stored.profile,
        "municipality": stored.municipality,
        "language": stored.language,
        "participation": stored.participation,
        "coordinator_email": (
            staff_emails.get(stored.coordinator_id) if stored.coordinator_id else None
        ),
    }


def _changed(change: RowChange) -> bool:
    return change.kind is not ChangeKind.UNCHANGED


def _chunks(items: Sequence[Any], size: int = _CHUNK) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


async def _insert_rows(session: AsyncSession, model: Any, rows: Sequence[dict[str, Any]]) -> None:
    if not rows:
        return
    table = model.__table__
    connection = await session.connection()
    if connection.dialect.name == "postgresql":
        await _copy_rows(connection, table, rows)
        return
    # RETURNING makes SQLAlchemy batch the rows into multi-row INSERTs ("insertmanyvalues").
    for chunk in _chunks(rows, 5000):
        await session.exec(insert(table).returning(table.c.id), params=chunk)


async def _copy_rows(
    connection: AsyncConnection, table: Any, rows: Sequence[dict[str, Any]]
) -> None:
    """PostgreSQL COPY, inside the session's transaction.

    Multi-row INSERTs of thousands of parameters spend most of their time in psycopg's
    placeholder parsing (it caches only short queries); COPY sends plain rows.
    """
    dialect = connection.dialect
    names = list(rows[0])
    # The column types' own conversions (UTCDateTime) still apply.
    processors = [table.c[name].type.bind_processor(dialect) for name in names]
    quote = dialect.identifier_preparer.quote
    statement = (
        f"COPY {dialect.identifier_preparer.format_table(table)} "
        f"({', '.join(quote(name) for name in names)}) FROM STDIN"
    )
    raw = await connection.get_raw_connection()
    driver: Any = raw.driver_connection
    async with driver.cursor() as cursor, cursor.copy(statement) as copy:
        for row in rows:
            await copy.write_row(
                [
                    process(row[name]) if process else row[name]
                    for name, process in zip(names, processors, strict=True)
                ]
            )


# -- writing youths and the ledger ------------------------------------------------------------


class _Writer:
    def __init__(
        self,
        session: AsyncSession,
        now: datetime,
        schools: Mapping[str, _School],
        coordinators: Mapping[str, int],
        existing: Mapping[tuple[int, str], _Stored],
    ) -> None:
        self.session = session
        self.now = now
        self.schools = schools
        self.coordinators = coordinators
        self.existing = existing
        self.ids: dict[tuple[int, str], int] = {key: s.id for key, s in existing.items()}

    def _key(self, row: CohortRow) -> tuple[int, str]:
        return (self.schools[row.school_code].id, row.student_number)

    def _values(self, row: CohortRow) -> dict[str, Any]:
        return {
            "first_name": row.first_name,
            "last_name": row.last_name or None,
            "date_of_birth": row.date_of_birth,
            "leaving_date": row.leaving_date,
            "profile": str(row.profile),
            "municipality": row.municipality,
            "language": row.language,
            "participation": str(row.participation),
            "coordinator_id": (
                self.coordinators[row.coordinator_email] if row.coordinator_email else None
            ),
            "updated_at": self.now,
        }

    async def write_youths(self, changes: Sequence[RowChange]) -> None:
        created = [
            {
                **self._values(c.row),
                "school_id": self._key(c.row)[0],
                "student_number": c.row.student_number,
                "representative_required": False,
                "created_at": self.now,
            }
            for c in changes
            if c.kind is ChangeKind.CREATED
        ]
        updated = [
            {**self._values(c.row), "id": self.ids[self._key(c.row)]}
            for c in changes
            if c.kind is ChangeKind.UPDATED
        ]
        await _insert_rows(self.session, Youth, created)
        for chunk in _chunks(updated, 2000):
            await self.session.exec(update(Youth), params=chunk)  # bulk UPDATE by primary key
        if created:
            school_ids = sorted({values["school_id"] for values in created})
            rows = await self.session.exec(
                select(Youth.id, Youth.school_id, Youth.student_number).where(
                    col(Youth.school_id).in_(school_ids)
                )
            )
            self.ids.update({(school, number): id_ for id_, school, number in rows.all()})

    async def record_declines(
        self, changes: Sequence[RowChange], file_sha256: str, actor_id: int | None
    ) -> int:
        """Evidence that the school's offer was refused, once per change to `nee`."""
        events = []
        for change in changes:
            if change.row.participation is not Participation.NEE:
                continue
            stored = self.existing.get(self._key(change.row))
            if stored is not None and stored.participation == Participation.NEE:
                continue
            events.append(
                {
                    "youth_id": self.ids[self._key(change.row)],
                    "purpose": str(Purpose.CHECKINS),
                    "action": str(ConsentAction.DECLINED),
                    "given_by": str(GivenBy.STAFF),
                    "representative_name": None,
                    "representative_relation": None,
                    "staff_user_id": actor_id,
                    "text_version": f"import/{file_sha256[:16]}",
                    "text_sha256": file_sha256,
                    "channel": IMPORT_CHANNEL,
                    "recorded_at": self.now,
                }
            )
        await _insert_rows(self.session, ConsentEvent, events)
        return len(events)

    def planned(self, change: RowChange) -> _Planned:
        row = change.row
        key = self._key(row)
        stored = self.existing.get(key)
        return _Planned(
            id=self.ids[key],
            school_id=key[0],
            programme_id=stored.programme_id if stored else None,
            leaving_date=row.leaving_date,
            participation=str(row.participation),
            profile=str(row.profile),
            date_of_birth=row.date_of_birth,
            representative_required=stored.representative_required if stored else False,
        )


# -- planning contacts in bulk ------------------------------------------------------------------


class _BulkPlanner:
    """`sync_plan` for many youths: the same decisions, a few queries in total."""

    def __init__(
        self, session: AsyncSession, programmes: Mapping[str, Programme], now: datetime
    ) -> None:
        self.session = session
        self.programmes = programmes
        self.now = now
        self.added = self.updated = self.cancelled = 0
        self._plans: dict[tuple[str, date, str, str, str], list[PlannedContact]] = {}

    async def plan(self, youths: Sequence[_Planned]) -> None:
        if not youths:
            return
        school_programmes = await self._school_programmes({y.school_id for y in youths})
        ledger = await self._ledger([y.id for y in youths])
        stored = await self._contacts([y.id for y in youths])
        inserts: list[dict[str, Any]] = []
        updates: list[dict[str, Any]] = []
        for youth in youths:
            programme_id = self._programme_id(youth, school_programmes)
            wanted = self._wanted(programme_id, youth, self._consent(youth, ledger[youth.id]))
            rows = stored.get(youth.id)
            if not rows:
                inserts.extend(_insert_values(youth.id, contact) for contact in wanted)
                continue
            self._replan(youth.id, rows, wanted, inserts, updates)
        await _insert_rows(self.session, ScheduledContact, inserts)
        for chunk in _chunks(updates, 2000):
            await self.session.exec(update(ScheduledContact), params=chunk)
        self.added += len(inserts)

    def _replan(
        self,
        youth_id: int,
        rows: Sequence[Any],
        wanted: Sequence[PlannedContact],
        inserts: list[dict[str, Any]],
        updates: list[dict[str, Any]],
    ) -> None:
        by_key = {row.key: row for row in rows}
        existing = [StoredContact(to_contact(row), ContactStatus(row.status)) for row in rows]
        result = replan(existing, wanted, now=self.now)
        inserts.extend(_insert_values(youth_id, contact) for contact in result.add)
        for contact in result.update:
            updates.append(
                {
                    **_contact_fields(contact),
                    "id": by_key[contact.key].id,
                    "status": str(ContactStatus.PLANNED),
                    "reason": None,
                }
            )
        for key in result.cancel:
            updates.append(
                {
                    "id": by_key[key].id,
                    "status": str(ContactStatus.CANCELLED),
                    "reason": "plan gewijzigd",
                    "handled_at": self.now,
                }
            )
        self.updated += len(result.update)
        self.cancelled += len(result.cancel)

    def _programme_id(self, youth: _Planned, school_programmes: Mapping[int, str | None]) -> str:
        for candidate in (youth.programme_id, school_programmes.get(youth.school_id)):
            if candidate and candidate in self.programmes:
                return candidate
        return DEFAULT_PROGRAMME_ID

    def _wanted(
        self, programme_id: str, youth: _Planned, consent: ConsentState
    ) -> list[PlannedContact]:
        # The plan depends only on these five values; a cohort shares few leaving dates.
        key = (programme_id, youth.leaving_date, youth.participation, youth.profile, consent)
        plan = self._plans.get(key)
        if plan is None:
            plan = plan_contacts(
                self.programmes[programme_id],
                youth.leaving_date,
                participation=youth.participation,
                profile=youth.profile,
                consent_state=consent,
            )
            self._plans[key] = plan
        return plan

    @staticmethod
    def _consent(youth: _Planned, events: Sequence[Any]) -> ConsentState:
        # As `bot.outreach.plans.consent_state`: any ledger entry means the question was asked.
        if not events:
            return ConsentState.MISSING
        if is_active(
            events,
            purpose=Purpose.CHECKINS,
            date_of_birth=youth.date_of_birth,
            representative_required=youth.representative_required,
        ):
            return ConsentState.GIVEN
        return ConsentState.WITHDRAWN

    async def _school_programmes(self, school_ids: Iterable[int]) -> dict[int, str | None]:
        rows = await self.session.exec(
            select(School.id, School.programme_id).where(col(School.id).in_(sorted(school_ids)))
        )
        return {id_: programme for id_, programme in rows.all()}  # type: ignore[misc]

    async def _ledger(self, youth_ids: Sequence[int]) -> dict[int, list[Any]]:
        found: dict[int, list[Any]] = defaultdict(list)
        for chunk in _chunks(youth_ids):
            rows = await self.session.exec(
                select(
                    ConsentEvent.id,
                    ConsentEvent.youth_id,
                    ConsentEvent.purpose,
                    ConsentEvent.action,
                    ConsentEvent.given_by,
                    ConsentEvent.recorded_at,
                ).where(col(ConsentEvent.youth_id).in_(chunk))
            )
            for row in rows.all():
                found[row.youth_id].append(row)
        return found

    async def _contacts(self, youth_ids: Sequence[int]) -> dict[int, list[Any]]:
        # Plain rows, not ORM objects: the bulk UPDATE below would leave those stale.
        columns = [getattr(ScheduledContact, name) for name in _CONTACT_COLUMNS]
        found: dict[int, list[Any]] = defaultdict(list)
        for chunk in _chunks(youth_ids):
            rows = await self.session.exec(
                select(*columns).where(col(ScheduledContact.youth_id).in_(chunk))
            )
            for row in rows.all():
                found[row.youth_id].append(row)
        return found


def _contact_fields(contact: PlannedContact) -> dict[str, Any]:
    return {
        "kind": str(contact.kind),
        "series": contact.series,
        "label": contact.label,
        "flow_id": contact.flow,
        "due_at": contact.due_at,
        "nominal_date": contact.nominal_date,
        "expires_at": contact.expires_at,
        "parent_key": contact.parent_key,
        "note": contact.note,
    }


def _insert_values(youth_id: int, contact: PlannedContact) -> dict[str, Any]:
    return {
        **_contact_fields(contact),
        "youth_id": youth_id,
        "key": contact.key,
        "status": str(ContactStatus.PLANNED),
        "reason": None,
        "handled_at": None,
    }
