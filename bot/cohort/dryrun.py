"""The dry run: what an import would create, update or leave alone, without touching anything.

Pure: the caller loads the existing youths of the schools in the file, keyed by
(school code, student number), with the same field names as `CohortRow`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from enum import Enum, StrEnum

from bot.cohort.messages import Lang
from bot.cohort.model import CohortIssue, CohortRow, ParsedCohort

# Compared fields and the Dutch column name a school administrator knows them by.
COMPARED_FIELDS: Mapping[str, str] = {
    "first_name": "roepnaam",
    "last_name": "achternaam",
    "date_of_birth": "geboortedatum",
    "leaving_date": "uitstroomdatum",
    "profile": "uitstroomprofiel",
    "municipality": "gemeente",
    "language": "taal",
    "participation": "deelname",
    "coordinator_email": "begeleider",
}


class ChangeKind(StrEnum):
    CREATED = "created"
    UPDATED = "updated"
    UNCHANGED = "unchanged"


@dataclass(frozen=True, slots=True)
class FieldChange:
    field: str
    old: object
    new: object

    @property
    def column(self) -> str:
        return COMPARED_FIELDS[self.field]


@dataclass(frozen=True, slots=True)
class RowChange:
    kind: ChangeKind
    row: CohortRow
    changes: tuple[FieldChange, ...] = ()

    @property
    def changed_fields(self) -> tuple[str, ...]:
        return tuple(change.field for change in self.changes)


@dataclass(frozen=True, slots=True)
class DryRunReport:
    rows: tuple[RowChange, ...]
    created: int
    updated: int
    unchanged: int
    ignored_columns: tuple[str, ...]
    warnings: tuple[CohortIssue, ...]
    errors: tuple[CohortIssue, ...]

    @property
    def ok(self) -> bool:
        return not self.errors

    def summary(self, lang: Lang = "nl") -> str:
        return _summary_en(self) if lang == "en" else _summary_nl(self)


def diff_cohort(
    parsed: ParsedCohort, existing: Mapping[tuple[str, str], Mapping[str, object]]
) -> DryRunReport:
    """Classify every parsed row against the existing records. Changes nothing."""
    index = {(school.casefold(), number): record for (school, number), record in existing.items()}
    changes: list[RowChange] = []
    counts = dict.fromkeys(ChangeKind, 0)
    for row in parsed.rows:
        record = index.get((row.school_code.casefold(), row.student_number))
        if record is None:
            change = RowChange(ChangeKind.CREATED, row)
        else:
            fields = _changed_fields(row, record)
            kind = ChangeKind.UPDATED if fields else ChangeKind.UNCHANGED
            change = RowChange(kind, row, fields)
        counts[change.kind] += 1
        changes.append(change)
    return DryRunReport(
        rows=tuple(changes),
        created=counts[ChangeKind.CREATED],
        updated=counts[ChangeKind.UPDATED],
        unchanged=counts[ChangeKind.UNCHANGED],
        ignored_columns=parsed.ignored_columns,
        warnings=parsed.warnings,
        errors=parsed.errors,
    )


def _changed_fields(row: CohortRow, record: Mapping[str, object]) -> tuple[FieldChange, ...]:
    changes = []
    for field in COMPARED_FIELDS:
        new = getattr(row, field)
        old = record.get(field)
        if _comparable(field, old) != _comparable(field, new):
            changes.append(FieldChange(field, old, new))
    return tuple(changes)


def _comparable(field: str, value: object) -> object:
    # The database may hand back enums, plain strings, None for empty, or datetimes.
    if isinstance(value, Enum):
        value = value.value
    if isinstance(value, datetime):
        value = value.date()
    if isinstance(value, date):
        return value.isoformat()
    if value is None:
        return ""
    text = str(value).strip()
    return text.casefold() if field == "coordinator_email" else text


def _count_nl(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


def _summary_nl(report: DryRunReport) -> str:
    if report.errors:
        return (
            f"Het bestand kan niet worden ingelezen: "
            f"{_count_nl(len(report.errors), 'fout', 'fouten')}. Er wordt niets opgeslagen "
            f"tot alle fouten zijn opgelost."
        )
    lines = [
        "Proefimport: er is nog niets opgeslagen.",
        f"Nieuw: {_count_nl(report.created, 'leerling', 'leerlingen')}.",
        f"Gewijzigd: {_count_nl(report.updated, 'leerling', 'leerlingen')}.",
        f"Ongewijzigd: {_count_nl(report.unchanged, 'leerling', 'leerlingen')}.",
    ]
    if report.ignored_columns:
        names = ", ".join(f"'{name}'" for name in report.ignored_columns)
        lines.append(f"Genegeerde kolommen: {names}.")
    if report.warnings:
        lines.append(
            f"Let op: {_count_nl(len(report.warnings), 'waarschuwing', 'waarschuwingen')}."
        )
    return "\n".join(lines)


def _summary_en(report: DryRunReport) -> str:
    def count(n: int, word: str) -> str:
        return f"{n} {word if n == 1 else word + 's'}"

    if report.errors:
        return (
            f"The file cannot be imported: {count(len(report.errors), 'error')}. Nothing is "
            f"saved until every error is fixed."
        )
    lines = [
        "Dry run: nothing has been saved yet.",
        f"New: {count(report.created, 'student')}.",
        f"Updated: {count(report.updated, 'student')}.",
        f"Unchanged: {count(report.unchanged, 'student')}.",
    ]
    if report.ignored_columns:
        names = ", ".join(f"'{name}'" for name in report.ignored_columns)
        lines.append(f"Ignored columns: {names}.")
    if report.warnings:
        lines.append(f"Note: {count(len(report.warnings), 'warning')}.")
    return "\n".join(lines)
