"""The cohort importer on files with one mangled cell: the rejection points at that cell.

`tests/cohort` already feeds the parser arbitrary bytes. This adds what a school's
administrator needs from a rejection: whatever one cell holds (any text, any script, quotes,
separators, a whole line), either the file is accepted or every error names the line and the
column of that cell, in a message without placeholders, Python reprs or stack traces.
"""

from __future__ import annotations

import csv
import io
import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.cohort import ParsedCohort, parse_cohort

pytestmark = pytest.mark.slow

SCHOOLS = {"PRO-DONGEN": "Pro Dongen", "VSO-DE-HEY": "VSO De Hey"}
COORDINATORS = {"aandacht@regio.example": 1}
HEADER = (
    "leerlingnummer",
    "roepnaam",
    "achternaam",
    "geboortedatum",
    "school",
    "uitstroomdatum",
    "uitstroomprofiel",
    "gemeente",
    "taal",
    "deelname",
    "begeleider",
)
ROWS = 5


def valid_row(i: int) -> list[str]:
    return [
        str(5000 + i),
        f"Naam{i}",
        "de Vries",
        "26-09-2008",
        "PRO-DONGEN",
        "31-07-2025",
        "arbeid",
        "Goirle",
        "nl",
        "onbekend",
        "",
    ]


def write(rows: list[list[str]], separator: str) -> bytes:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, delimiter=separator, lineterminator="\r\n")
    writer.writerow(HEADER)
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8")


def parse(data: bytes) -> ParsedCohort:
    return parse_cohort(data, known_schools=SCHOOLS, known_coordinators=COORDINATORS)


# What a message must never show a school: leftovers of templating or of Python itself.
UNCLEAR = re.compile(r"\{[a-z_]*\}|Traceback|Error\(|None\b|<[a-z]+ object|\\x[0-9a-f]{2}")

cells = st.one_of(
    st.text(max_size=60),
    st.text(alphabet=st.characters(categories=("Nd", "Pd", "Po", "Zs")), max_size=12),
    st.sampled_from(["", " ", "31-02-2008", "2008-09-26", "01/13/2008", "ja", "NEE", "x" * 500]),
)


def assert_clear(result: ParsedCohort, value: str) -> None:
    for issue in (*result.errors, *result.warnings):
        for language in ("nl", "en"):
            text = issue.message(language)
            assert text.strip(), issue
            # The cell's own value may be quoted back; judge only the words around it.
            assert not UNCLEAR.search(text.replace(value, "") if value else text), text


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    row=st.integers(0, ROWS - 1),
    column=st.integers(0, len(HEADER) - 1),
    value=cells,
    separator=st.sampled_from([";", ",", "\t"]),
)
def test_one_mangled_cell_is_accepted_or_named(
    row: int, column: int, value: str, separator: str
) -> None:
    rows = [valid_row(i) for i in range(ROWS)]
    rows[row][column] = value
    result = parse(write(rows, separator))
    assert_clear(result, value)
    if result.ok:
        assert len(result.rows) == ROWS
        return
    line = row + 2  # the header is line 1
    for issue in result.errors:
        if issue.line is None:
            continue  # about the whole file (a line with a stray quote can swallow the rest)
        assert issue.line == line or str(line) in issue.message("nl"), (issue, line)
        if issue.column is not None:
            assert issue.column in HEADER, issue
    named = [issue for issue in result.errors if issue.line == line]
    assert named or any(issue.line is None for issue in result.errors), result.errors


def test_a_wrong_date_is_named_by_line_and_column() -> None:
    rows = [valid_row(i) for i in range(ROWS)]
    rows[2][3] = "31-02-2008"
    result = parse(write(rows, ";"))
    assert not result.ok
    assert [(i.line, i.column) for i in result.errors] == [(4, "geboortedatum")]
    assert "4" in result.errors[0].message("nl") and "geboortedatum" in result.errors[0].message()


def test_a_valid_file_is_accepted() -> None:
    result = parse(write([valid_row(i) for i in range(ROWS)], ";"))
    assert result.ok, result.error_messages()
    assert len(result.rows) == ROWS
