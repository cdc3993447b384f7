"""Turn an uploaded cohort file into validated rows, or into every reason it cannot be imported.

Pure: no database, no clock. The caller passes what the database knows (school codes and
coordinator e-mail addresses) and applies the rows itself, only when `ParsedCohort.ok`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import date
from typing import Protocol

from bot.cohort.columns import Column, HeaderMap, match_header
from bot.cohort.decoding import (
    DecodedText,
    DecodeProblem,
    RecordProblem,
    decode,
    detect_separator,
    excel_separator_line,
    iter_records,
)
from bot.cohort.model import CohortIssue, CohortRow, ParsedCohort, Participation, Profile
from bot.cohort.values import (
    MAX_STUDENT_NUMBER,
    MAX_TEXT,
    ValueProblem,
    has_control_characters,
    is_plausible_email,
    looks_scientific,
    parse_date,
    parse_language,
    parse_participation,
    parse_profile,
)
from bot.scheduling.calendar import age_on

MIN_AGE = 12
MAX_AGE = 30
MAX_ROWS = 100_000
_MAX_KNOWN_SHOWN = 10
_SEPARATOR_NAMES = {";": ";", ",": ",", "\t": "tab"}


class _Fail(Protocol):
    def __call__(self, column: Column, raw: str, code: str, /, **params: str) -> None: ...


_Value = Callable[[Column], str]
_Parse = Callable[[str], Profile | Participation]


def parse_cohort(
    data: bytes,
    *,
    known_schools: Mapping[str, object],
    known_coordinators: Mapping[str, object] | None = None,
    max_rows: int = MAX_ROWS,
) -> ParsedCohort:
    """Read and check a whole cohort file. Never raises on bad input: problems become errors.

    `known_schools` and `known_coordinators` are keyed by school code and e-mail address; both
    match case-insensitively and rows carry the caller's spelling of the key.
    """
    try:
        decoded = decode(data)
    except DecodeProblem as problem:
        return ParsedCohort(errors=(CohortIssue(problem.code),))
    separator = detect_separator(decoded.text)
    skip_separator_line = excel_separator_line(decoded.text) is not None
    context = _RowChecker(known_schools, known_coordinators or {}, separator)
    header: HeaderMap | None = None
    errors: list[CohortIssue] = []
    warnings: list[CohortIssue] = []
    rows: list[CohortRow] = []
    checked = 0
    try:
        for line, fields in iter_records(decoded.text, separator):
            if not any(field.strip() for field in fields):
                continue  # blank lines and rows of bare separators are spreadsheet leftovers
            if skip_separator_line:
                skip_separator_line = False
                continue
            if header is None:
                header, header_errors, warnings = match_header(fields, line)
                if header_errors:
                    return _result((), header_errors, warnings, header, 0, decoded, separator)
                continue
            checked += 1
            if checked > max_rows:
                errors.append(CohortIssue("too_many_rows", params={"max": str(max_rows)}))
                break
            row = context.check(line, fields, header, errors, warnings)
            if row is not None:
                rows.append(row)
    except RecordProblem as problem:
        errors.append(CohortIssue("unreadable_csv", line=problem.line))
    if header is None:
        errors.append(CohortIssue("empty_file"))
    elif checked == 0 and not errors:
        errors.append(CohortIssue("header_only"))
    return _result(rows, errors, warnings, header, checked, decoded, separator)


def _result(
    rows: Sequence[CohortRow],
    errors: Sequence[CohortIssue],
    warnings: Sequence[CohortIssue],
    header: HeaderMap | None,
    checked: int,
    decoded: DecodedText,
    separator: str,
) -> ParsedCohort:
    return ParsedCohort(
        rows=() if errors else tuple(rows),
        errors=tuple(errors),
        warnings=tuple(warnings),
        ignored_columns=header.ignored if header else (),
        checked_rows=checked,
        encoding=decoded.encoding,
        delimiter=separator,
    )


class _RowChecker:
    """Checks one row at a time and remembers what it needs across rows (duplicates)."""

    def __init__(
        self,
        known_schools: Mapping[str, object],
        known_coordinators: Mapping[str, object],
        separator: str,
    ) -> None:
        self._schools = {code.strip().casefold(): code for code in known_schools}
        self._coordinators = {mail.strip().casefold(): mail for mail in known_coordinators}
        known = sorted(known_schools)
        shown = ", ".join(known[:_MAX_KNOWN_SHOWN]) + (
            ", …" if len(known) > _MAX_KNOWN_SHOWN else ""
        )
        self._known_schools_text = shown or "(geen)"
        self._separator_name = _SEPARATOR_NAMES[separator]
        self._seen: dict[tuple[str, str], int] = {}

    def check(
        self,
        line: int,
        fields: list[str],
        header: HeaderMap,
        errors: list[CohortIssue],
        warnings: list[CohortIssue],
    ) -> CohortRow | None:
        # Strict on purpose: a row with an extra field usually has an unquoted separator inside
        # a value, and every value after it is shifted. Trailing separators on every line are
        # fine, because the header line then has the same empty cells.
        if len(fields) != header.width:
            code = "too_many_fields" if len(fields) > header.width else "too_few_fields"
            if any("\n" in field or "\r" in field for field in fields):
                code = "open_quote"  # an unclosed quote swallowed the following lines
            params = {
                "found": str(len(fields)),
                "expected": str(header.width),
                "separator": self._separator_name,
            }
            errors.append(CohortIssue(code, line=line, params=params))
            return None

        before = len(errors)
        names = header.names

        def value(column: Column) -> str:
            index = header.positions.get(column)
            return fields[index].strip() if index is not None else ""

        def fail(column: Column, raw: str, code: str, /, **params: str) -> None:
            errors.append(CohortIssue(code, line, names[column], raw, params))

        def text(column: Column, *, required: bool, limit: int = MAX_TEXT) -> str:
            raw = value(column)
            if not raw:
                if required:
                    fail(column, raw, "required")
            elif len(raw) > limit:
                fail(column, raw, "too_long", max=str(limit))
            elif has_control_characters(raw):
                fail(column, raw, "control_characters")
            return raw

        def parsed_date(column: Column) -> date | None:
            raw = value(column)
            if not raw:
                fail(column, raw, "required")
                return None
            try:
                return parse_date(raw)
            except ValueProblem as problem:
                fail(column, raw, problem.code)
                return None

        student_number = text(Column.LEERLINGNUMMER, required=True, limit=MAX_STUDENT_NUMBER)
        if student_number and looks_scientific(student_number):
            fail(Column.LEERLINGNUMMER, student_number, "scientific_number")
        first_name = text(Column.ROEPNAAM, required=True)
        last_name = text(Column.ACHTERNAAM, required=False)
        municipality = text(Column.GEMEENTE, required=True)
        born = parsed_date(Column.GEBOORTEDATUM)
        leaving = parsed_date(Column.UITSTROOMDATUM)
        if born and leaving:
            age = age_on(born, leaving)
            if not MIN_AGE <= age <= MAX_AGE:
                fail(
                    Column.GEBOORTEDATUM,
                    value(Column.GEBOORTEDATUM),
                    "age_implausible",
                    age=str(age),
                    leaving_date=value(Column.UITSTROOMDATUM),
                    min_age=str(MIN_AGE),
                    max_age=str(MAX_AGE),
                )

        school = self._school(value(Column.SCHOOL), fail)
        profile = self._choice(Column.UITSTROOMPROFIEL, value, fail, parse_profile)
        participation = (
            self._choice(Column.DEELNAME, value, fail, parse_participation)
            if Column.DEELNAME in header.positions
            else Participation.ONBEKEND
        )
        language = self._language(line, names.get(Column.TAAL), value(Column.TAAL), fail, warnings)
        coordinator = self._coordinator(value(Column.BEGELEIDER), fail)

        if school and student_number:
            first_line = self._seen.setdefault((school, student_number), line)
            if first_line != line:
                fail(
                    Column.LEERLINGNUMMER,
                    student_number,
                    "duplicate_student",
                    school=school,
                    first_line=str(first_line),
                )

        if len(errors) > before:
            return None
        if not (born and leaving and school and language):  # unreachable without an error
            return None
        return CohortRow(
            student_number=student_number,
            first_name=first_name,
            last_name=last_name,
            date_of_birth=born,
            school_code=school,
            leaving_date=leaving,
            profile=Profile(profile),
            municipality=municipality,
            language=language,
            participation=Participation(participation),
            coordinator_email=coordinator,
            line=line,
        )

    def _school(self, raw: str, fail: _Fail) -> str | None:
        if not raw:
            fail(Column.SCHOOL, raw, "required")
            return None
        school = self._schools.get(raw.casefold())
        if school is None:
            fail(Column.SCHOOL, raw, "school_unknown", known=self._known_schools_text)
        return school

    @staticmethod
    def _choice(
        column: Column, value: _Value, fail: _Fail, parse: _Parse
    ) -> Profile | Participation | None:
        raw = value(column)
        if not raw and column is Column.UITSTROOMPROFIEL:
            fail(column, raw, "required")
            return None
        try:
            return parse(raw)
        except ValueProblem as problem:
            fail(column, raw, problem.code)
            return None

    @staticmethod
    def _language(
        line: int, name: str | None, raw: str, fail: _Fail, warnings: list[CohortIssue]
    ) -> str | None:
        try:
            language, replaced = parse_language(raw)
        except ValueProblem as problem:
            fail(Column.TAAL, raw, problem.code)
            return None
        if replaced:
            warnings.append(CohortIssue("language_unsupported", line, name, raw))
        return language

    def _coordinator(self, raw: str, fail: _Fail) -> str | None:
        if not raw:
            return None
        if not is_plausible_email(raw):
            fail(Column.BEGELEIDER, raw, "email_invalid")
            return None
        known = self._coordinators.get(raw.casefold())
        if known is None:
            fail(Column.BEGELEIDER, raw, "coordinator_unknown")
        return known
