"""The result of reading a cohort file: validated rows, or the reasons it cannot be imported."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum

from bot.cohort.messages import Lang, render


class Profile(StrEnum):
    ARBEID = "arbeid"
    DAGBESTEDING = "dagbesteding"
    VERVOLGONDERWIJS = "vervolgonderwijs"


class Participation(StrEnum):
    JA = "ja"
    NEE = "nee"
    ONBEKEND = "onbekend"


@dataclass(frozen=True, slots=True)
class CohortRow:
    """One youth as the school exported them; `line` is where the record starts in the file."""

    student_number: str
    first_name: str
    last_name: str
    date_of_birth: date
    school_code: str
    leaving_date: date
    profile: Profile
    municipality: str
    language: str
    participation: Participation
    coordinator_email: str | None
    line: int

    @property
    def key(self) -> tuple[str, str]:
        """(school, student number): the pair that identifies a youth across imports."""
        return (self.school_code, self.student_number)

    def as_record(self) -> dict[str, object]:
        """The values an import stores, by field name; the same names the dry run compares."""
        return {
            "first_name": self.first_name,
            "last_name": self.last_name,
            "date_of_birth": self.date_of_birth,
            "leaving_date": self.leaving_date,
            "profile": self.profile,
            "municipality": self.municipality,
            "language": self.language,
            "participation": self.participation,
            "coordinator_email": self.coordinator_email,
        }


@dataclass(frozen=True, slots=True)
class CohortIssue:
    """An error or warning about the file (line None) or about one value in one row.

    `column` is the header text as it appears in the file, so the user can find it.
    The text is rendered from `code` on demand, in Dutch unless asked otherwise.
    """

    code: str
    line: int | None = None
    column: str | None = None
    value: str | None = None
    params: Mapping[str, str] = field(default_factory=dict, hash=False)

    def message(self, lang: Lang = "nl") -> str:
        return render(self.code, lang, self.line, self.column, self.value, self.params)

    def __str__(self) -> str:
        return self.message()


@dataclass(frozen=True, slots=True)
class ParsedCohort:
    """What `parse_cohort` found.

    All-or-nothing: when there is any error, `rows` is empty so that nothing can be imported
    by accident; `checked_rows` still says how many data rows were read.
    """

    rows: tuple[CohortRow, ...] = ()
    errors: tuple[CohortIssue, ...] = ()
    warnings: tuple[CohortIssue, ...] = ()
    ignored_columns: tuple[str, ...] = ()
    checked_rows: int = 0
    encoding: str | None = None
    delimiter: str | None = None

    @property
    def ok(self) -> bool:
        return not self.errors

    def error_messages(self, lang: Lang = "nl") -> list[str]:
        return [issue.message(lang) for issue in self.errors]

    def warning_messages(self, lang: Lang = "nl") -> list[str]:
        return [issue.message(lang) for issue in self.warnings]
