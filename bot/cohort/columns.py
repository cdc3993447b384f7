"""The columns of the cohort format and how header texts map onto them."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from bot.cohort.model import CohortIssue


class Column(StrEnum):
    """Canonical column names: the Dutch header of the format."""

    LEERLINGNUMMER = "leerlingnummer"
    ROEPNAAM = "roepnaam"
    ACHTERNAAM = "achternaam"
    GEBOORTEDATUM = "geboortedatum"
    SCHOOL = "school"
    UITSTROOMDATUM = "uitstroomdatum"
    UITSTROOMPROFIEL = "uitstroomprofiel"
    GEMEENTE = "gemeente"
    TAAL = "taal"
    DEELNAME = "deelname"
    BEGELEIDER = "begeleider"


ENGLISH_ALIASES: dict[Column, str] = {
    Column.LEERLINGNUMMER: "student_number",
    Column.ROEPNAAM: "first_name",
    Column.ACHTERNAAM: "last_name",
    Column.GEBOORTEDATUM: "date_of_birth",
    Column.SCHOOL: "school",
    Column.UITSTROOMDATUM: "leaving_date",
    Column.UITSTROOMPROFIEL: "profile",
    Column.GEMEENTE: "municipality",
    Column.TAAL: "language",
    Column.DEELNAME: "participation",
    Column.BEGELEIDER: "coordinator",
}

REQUIRED: tuple[Column, ...] = (
    Column.LEERLINGNUMMER,
    Column.ROEPNAAM,
    Column.GEBOORTEDATUM,
    Column.SCHOOL,
    Column.UITSTROOMDATUM,
    Column.UITSTROOMPROFIEL,
    Column.GEMEENTE,
)

_IGNORED_IN_NAME = re.compile(r"[\s_\-.]+")


def _normalise(header: str) -> str:
    # "Date of birth", "date_of_birth" and " DATE-OF-BIRTH " are the same column to a person.
    return _IGNORED_IN_NAME.sub("", header.replace("\ufeff", "").casefold())


_BY_NORMALISED: dict[str, Column] = {}
for _column in Column:
    _BY_NORMALISED[_normalise(_column.value)] = _column
    _BY_NORMALISED[_normalise(ENGLISH_ALIASES[_column])] = _column


def display_name(header: str) -> str:
    """A header as the user typed it, without BOM or surrounding spaces."""
    return header.replace("\ufeff", "").strip()


@dataclass(frozen=True, slots=True)
class HeaderMap:
    """Where each known column sits in a row, and what the file calls it."""

    positions: dict[Column, int]
    names: dict[Column, str]
    ignored: tuple[str, ...]
    width: int


def match_header(
    fields: Sequence[str], line: int
) -> tuple[HeaderMap, list[CohortIssue], list[CohortIssue]]:
    """Map header fields to columns. Returns the map, errors, and warnings."""
    positions: dict[Column, int] = {}
    names: dict[Column, str] = {}
    ignored: list[str] = []
    errors: list[CohortIssue] = []
    warnings: list[CohortIssue] = []
    for index, raw in enumerate(fields):
        shown = display_name(raw)
        column = _BY_NORMALISED.get(_normalise(raw))
        if column is None:
            if shown:  # an empty trailing header cell is spreadsheet noise, not a column
                ignored.append(shown)
                warnings.append(CohortIssue("ignored_column", line=line, column=shown))
            continue
        if column in positions:
            errors.append(
                CohortIssue(
                    "duplicate_column", line=line, column=shown, params={"other": names[column]}
                )
            )
            continue
        positions[column] = index
        names[column] = shown
    missing = [column for column in REQUIRED if column not in positions]
    if missing:
        listed = ", ".join(f"{c.value} ({ENGLISH_ALIASES[c]})" for c in missing)
        errors.append(CohortIssue("missing_columns", line=line, params={"columns": listed}))
    header = HeaderMap(positions, names, tuple(ignored), width=len(fields))
    return header, errors, warnings
