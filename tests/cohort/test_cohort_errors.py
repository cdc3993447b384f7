"""Broken files: every problem is reported at the right line and column, and nothing imports."""

from __future__ import annotations

import pytest
from cohort_files import HEADER, codes, csv_text, parse, row, rows

from bot.cohort import ParsedCohort


def _rejected(result: ParsedCohort) -> ParsedCohort:
    assert not result.ok
    assert result.rows == ()
    for issue in result.errors:  # every error renders in both languages without failing
        assert issue.message("nl") and issue.message("en")
    return result


def _with_bad_row_at_line_7(**bad: str) -> str:
    return csv_text([*rows(5), row(**bad)])


def test_impossible_date_reads_as_the_brief_says() -> None:
    result = _rejected(parse(_with_bad_row_at_line_7(geboortedatum="31-02-2008")))
    assert [e.message() for e in result.errors] == [
        "Regel 7, kolom 'geboortedatum': '31-02-2008' is geen bestaande datum. "
        "Gebruik DD-MM-JJJJ, bijvoorbeeld 03-09-2008."
    ]
    assert result.errors[0].message("en") == (
        "Line 7, column 'geboortedatum': '31-02-2008' is not an existing date. "
        "Use DD-MM-YYYY, for example 03-09-2008."
    )


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("2008-02-30", "date_impossible"),
        ("29-02-2007", "date_impossible"),
        ("09/26/2008", "date_impossible"),  # American order: month 26 does not exist
        ("26-09-08", "date_two_digit_year"),
        ("26.09.2008", "date_format"),
        ("26 september 2008", "date_format"),
        ("2008-09-26 00:00:00", "date_format"),
        ("26-09/2008", "date_format"),
        ("٢٦-٠٩-٢٠٠٨", "date_format"),
    ],
)
def test_bad_dates(value: str, code: str) -> None:
    result = _rejected(parse(_with_bad_row_at_line_7(uitstroomdatum=value)))
    assert codes(result) == [(7, "uitstroomdatum", code)]
    assert result.errors[0].value == value


def test_missing_required_columns_is_one_file_level_error_naming_them() -> None:
    header = tuple(h for h in HEADER if h not in {"geboortedatum", "gemeente"})
    result = _rejected(parse(csv_text(rows(3), header)))
    assert codes(result) == [(1, None, "missing_columns")]
    message = result.errors[0].message()
    assert "geboortedatum (date_of_birth)" in message and "gemeente (municipality)" in message
    assert message.startswith("Regel 1: De kopregel mist verplichte kolommen")


def test_a_column_given_twice_is_an_error() -> None:
    header = (*HEADER, "first_name")
    result = _rejected(parse(csv_text(rows(1), header, keys=(*HEADER, "roepnaam"))))
    assert codes(result) == [(1, "first_name", "duplicate_column")]


@pytest.mark.parametrize(
    ("column", "value", "code"),
    [
        ("uitstroomprofiel", "arbeidsmarktgericht", "profile_unknown"),
        ("uitstroomprofiel", "werk", "profile_unknown"),
        ("uitstroomprofiel", "", "required"),
        ("school", "PRO-BREDA", "school_unknown"),
        ("school", "", "required"),
        ("begeleider", "onbekend@elders.example", "coordinator_unknown"),
        ("begeleider", "jan bij school", "email_invalid"),
        ("begeleider", "jan@school", "email_invalid"),
        ("deelname", "misschien", "participation_unknown"),
        ("taal", "xx", "language_invalid"),
        ("taal", "Nederlands", "language_invalid"),
        ("taal", "12", "language_invalid"),
        ("leerlingnummer", "", "required"),
        ("leerlingnummer", "5,14E+10", "scientific_number"),
        ("leerlingnummer", "1" * 33, "too_long"),
        ("roepnaam", "  ", "required"),
        ("roepnaam", "Da\x07an", "control_characters"),
        ("gemeente", "", "required"),
        ("geboortedatum", "", "required"),
        ("geboortedatum", "01-01-2020", "age_implausible"),
        ("geboortedatum", "01-01-1980", "age_implausible"),
    ],
)
def test_bad_values(column: str, value: str, code: str) -> None:
    result = _rejected(parse(_with_bad_row_at_line_7(**{column: value})))
    assert codes(result) == [(7, column, code)]


def test_unknown_school_lists_the_known_codes() -> None:
    result = _rejected(parse(_with_bad_row_at_line_7(school="PRO-BREDA")))
    assert "Bekende codes: PRO-DONGEN, PRO-TILBURG" in result.errors[0].message()


def test_implausible_age_explains_itself() -> None:
    result = _rejected(parse(_with_bad_row_at_line_7(geboortedatum="01-01-2020")))
    assert result.errors[0].message() == (
        "Regel 7, kolom 'geboortedatum': Met geboortedatum '01-01-2020' is de leerling op de "
        "uitstroomdatum (31-07-2025) 5 jaar. Dat kan niet kloppen: verwacht is 12 tot 30 jaar. "
        "Controleer de geboortedatum en de uitstroomdatum."
    )


def test_age_bounds_are_inclusive() -> None:
    assert parse(csv_text([row(geboortedatum="31-07-2013")])).ok  # exactly 12
    assert not parse(csv_text([row(geboortedatum="01-08-2013")])).ok  # one day short of 12
    assert parse(csv_text([row(geboortedatum="01-08-1994")])).ok  # 30
    assert not parse(csv_text([row(geboortedatum="31-07-1994")])).ok  # 31


def test_duplicate_student_is_reported_on_the_second_occurrence() -> None:
    text = csv_text([row(), *rows(2), row(school="pro-dongen", roepnaam="Ander")])
    result = _rejected(parse(text))
    assert codes(result) == [(5, "leerlingnummer", "duplicate_student")]
    assert "staat ook al op regel 2" in result.errors[0].message()


def test_every_problem_is_collected_not_only_the_first() -> None:
    text = csv_text(
        [
            row(),
            row(leerlingnummer="2", geboortedatum="31-02-2008", uitstroomprofiel="x", taal="?"),
            row(leerlingnummer="3"),
            row(leerlingnummer="4", school="ONBEKEND", begeleider="a@b.example"),
        ]
    )
    result = _rejected(parse(text))
    assert codes(result) == [
        (3, "geboortedatum", "date_impossible"),
        (3, "uitstroomprofiel", "profile_unknown"),
        (3, "taal", "language_invalid"),
        (5, "school", "school_unknown"),
        (5, "begeleider", "coordinator_unknown"),
    ]
    assert result.checked_rows == 4


def test_the_column_is_named_as_the_file_names_it() -> None:
    header = ("Student Number", "First_Name", "Date of birth", "School", "Leaving date")
    header += ("PROFILE", "municipality")
    keys = ("leerlingnummer", "roepnaam", "geboortedatum", "school", "uitstroomdatum")
    keys += ("uitstroomprofiel", "gemeente")
    text = csv_text([row(geboortedatum="2008-13-01")], header, keys=keys, separator=",")
    result = _rejected(parse(text))
    assert codes(result) == [(2, "Date of birth", "date_impossible")]


def test_line_numbers_count_physical_lines_of_multiline_records() -> None:
    header = (*HEADER, "opmerking")
    text = csv_text([row(opmerking="a\nb\nc"), row(leerlingnummer="2", achternaam="x\ny")], header)
    result = _rejected(parse(text))
    assert codes(result) == [(5, "achternaam", "control_characters")]


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b"", "empty_file"),
        (b"   \r\n\r\n", "empty_file"),
        (b"\xef\xbb\xbf", "empty_file"),
        (b";;;;\r\n;;;\r\n", "empty_file"),
        (b"PK\x03\x04\x14\x00\x06\x00rest of a workbook", "excel_file"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1old xls", "excel_file"),
        (bytes(range(256)) * 4, "not_text"),
        (b"leerlingnummer;roepnaam\x00\x00\x00", "not_text"),
        (b"\x81\x8d\x8f\x90\x9d", "not_text"),  # undefined in cp1252 and invalid UTF-8
    ],
)
def test_files_that_are_not_cohorts(data: bytes, code: str) -> None:
    result = _rejected(parse(data))
    assert codes(result) == [(None, None, code)]


def test_header_only() -> None:
    result = _rejected(parse(csv_text([])))
    assert codes(result) == [(None, None, "header_only")]


def test_too_many_fields_points_at_an_unquoted_separator() -> None:
    text = (
        csv_text(rows(3))
        + "9;Jan;de Boer; Jr.;01-01-2008;PRO-DONGEN;01-07-2025;arbeid;Goirle;nl;;\r\n"
    )
    result = _rejected(parse(text))
    assert codes(result) == [(5, None, "too_many_fields")]
    assert result.errors[0].message() == (
        "Regel 5: Deze regel heeft 12 velden, de kopregel heeft er 11. Staat er een "
        "scheidingsteken (;) in een waarde? Zet die waarde dan tussen aanhalingstekens."
    )


def test_too_few_fields() -> None:
    text = csv_text(rows(1)) + "9;Jan;de Boer;01-01-2008;PRO-DONGEN\r\n" + csv_text(rows(1))[-90:]
    result = parse(text)
    assert (3, None, "too_few_fields") in codes(_rejected(result))


def test_an_unclosed_quote_is_reported_where_the_record_starts() -> None:
    text = csv_text(rows(2)) + '7;"Jan;de Boer;01-01-2008;PRO-DONGEN;01-07-2025;arbeid;X;nl;;\r\n'
    text += csv_text(rows(2)).split("\r\n", 1)[1].replace("500", "600")
    result = _rejected(parse(text))
    assert codes(result) == [(4, None, "open_quote")]


def test_more_rows_than_allowed() -> None:
    result = _rejected(parse(csv_text(rows(5)), max_rows=3))
    assert codes(result)[-1] == (None, None, "too_many_rows")


def test_unknown_coordinator_when_no_coordinators_are_known() -> None:
    text = csv_text([row(begeleider="aandacht@regio-midden-brabant.example")])
    result = _rejected(parse(text, known_coordinators={}))
    assert codes(result) == [(2, "begeleider", "coordinator_unknown")]


def test_long_values_are_shortened_in_messages() -> None:
    result = _rejected(parse(_with_bad_row_at_line_7(school="X" * 500)))
    message = result.errors[0].message()
    assert "X" * 59 + "…" in message and "X" * 61 not in message


def test_an_unclosed_quote_that_swallows_a_huge_field_stops_reading_there() -> None:
    # csv refuses fields over its size limit; we report the line instead of crashing.
    text = csv_text(rows(2)) + '7;"Jan;de Boer\r\n' + "x;" * 70_000 + "\r\n"
    result = _rejected(parse(text))
    assert codes(result) == [(4, None, "unreadable_csv")]
