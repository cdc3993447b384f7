"""A stand-in for `bot.cohort.apply.import_cohort`: it records its calls and can fail on write.

Same interface (`admin.imports.CohortImporter`), same pure parts (`parse_cohort`,
`diff_cohort`), a plain write: enough to see the panel move a file from upload to the list.
The real importer's own tests live with it; `test_imports_real.py` runs the panel against it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.cohort import ChangeKind, DryRunReport, diff_cohort, parse_cohort
from bot.models import Role, School, StaffUser, Youth


@dataclass(frozen=True)
class FakeResult:
    report: DryRunReport
    participation_kept: tuple[int, ...] = ()


@dataclass
class FakeImporter:
    calls: list[tuple[bytes, bool]] = field(default_factory=list)
    fail_on_write: bool = False

    async def __call__(
        self,
        session: AsyncSession,
        data: bytes,
        *,
        dry_run: bool,
        now: datetime,
        actor_id: int | None,
    ) -> Any:
        self.calls.append((data, dry_run))
        schools = {s.code: s for s in (await session.exec(select(School))).all()}
        staff = (await session.exec(select(StaffUser))).all()
        coordinators = {u.email: u.id for u in staff if u.role == Role.COORDINATOR}
        emails = {u.id: u.email for u in staff}
        parsed = parse_cohort(data, known_schools=schools, known_coordinators=coordinators)
        codes = {s.id: s.code for s in schools.values()}
        youths = (
            await session.exec(
                select(Youth).where(col(Youth.school_id).in_([s.id for s in schools.values()]))
            )
        ).all()
        by_key = {(codes[y.school_id], y.student_number): y for y in youths}
        records = {
            key: {
                "first_name": y.first_name,
                "last_name": y.last_name,
                "date_of_birth": y.date_of_birth,
                "leaving_date": y.leaving_date,
                "profile": y.profile,
                "municipality": y.municipality,
                "language": y.language,
                "participation": y.participation,
                "coordinator_email": emails.get(y.coordinator_id),
            }
            for key, y in by_key.items()
        }
        report = diff_cohort(parsed, records)
        if dry_run or not report.ok:
            return FakeResult(report)
        for change in report.rows:
            if change.kind is ChangeKind.UNCHANGED:
                continue
            row = change.row
            school = schools[row.school_code]
            youth = by_key.get((school.code, row.student_number)) or Youth(
                school_id=school.id,
                student_number=row.student_number,
                created_at=now,
            )
            youth.first_name = row.first_name
            youth.last_name = row.last_name or None
            youth.date_of_birth = row.date_of_birth
            youth.leaving_date = row.leaving_date
            youth.profile = row.profile.value
            youth.municipality = row.municipality
            youth.language = row.language
            youth.participation = row.participation.value
            youth.coordinator_id = coordinators.get(row.coordinator_email or "")
            youth.updated_at = now
            session.add(youth)
        await session.flush()
        if self.fail_on_write:
            raise RuntimeError("the database went away")
        return FakeResult(report)
