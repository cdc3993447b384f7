"""Every form the format promises to accept parses to the same rows."""

from __future__ import annotations

import dataclasses
from datetime import date

import pytest
from cohort_files import DATA, HEADER, KNOWN_SCHOOLS, csv_text, parse, row, rows

from bot.cohort import CohortRow, Participation, Profile
from bot.cohort.columns import ENGLISH_ALIASES, Column
from bot.cohort.dryrun import COMPARED_FIELDS


def _without_line(parsed_rows: tuple[CohortRow, ...]) -> list[CohortRow]:
    return [dataclasses.replace(r, line=0) for r in parsed_rows]


def test_the_shared_samples_parse_without_errors_and_agree() -> None:
    dutch = parse((DATA / "cohort-small.csv").read_bytes())
    english = parse((DATA / "cohort-small-en.csv").read_bytes())
    assert dutch.errors == () and english.errors == ()
    assert len(dutch.rows) == len(english.rows) == 40
    assert dutch.delimiter == ";" and english.delimiter == ","
    assert dutch.encoding == "utf-8-sig"
    assert _without_line(dutch.rows) == _without_line(english.rows)
    assert {r.school_code for r in dutch.rows} <= set(KNOWN_SCHOOLS)


def test_a_valid_row_becomes_typed_values() -> None:
    text = csv_text([row(begeleider="Aandacht@Regio-Midden-Brabant.example", deelname="nee")])
    result = parse(text)
    assert result.ok and result.warnings == ()
    assert result.rows == (
        CohortRow(
            student_number="1001",
            first_name="Daan",
            last_name="de Vries",
            date_of_birth=date(2008, 9, 26),
            school_code="PRO-DONGEN",
            leaving_date=date(2025, 7, 31),
            profile=Profile.ARBEID,
            municipality="Goirle",
            language="nl",
            participation=Participation.NEE,
            coordinator_email="aandacht@regio-midden-brabant.example",
            line=2,
        ),
    )


@pytest.mark.parametrize("separator", [";", ",", "\t"])
def test_separators_are_detected(separator: str) -> None:
    # Commas inside a value must not fool the detection of ';' files, and vice versa.
    text = csv_text(
        [row(achternaam="Jansen, de", gemeente="Gilze en Rijen; Oost"), *rows(3)],
        separator=separator,
    )
    result = parse(text)
    assert result.ok, result.error_messages()
    assert result.delimiter == separator
    assert result.rows[0].last_name == "Jansen, de"
    assert result.rows[0].municipality == "Gilze en Rijen; Oost"


NAMES = [("Zoë", "Müller"), ("Anaïs", "Bakker-Çelik"), ("Noël", "O'Brien")]


@pytest.mark.parametrize(
    ("encoding", "expected"),
    [("utf-8", "utf-8"), ("utf-8-sig", "utf-8-sig"), ("cp1252", "cp1252"), ("utf-16", "utf-16")],
)
def test_encodings_are_detected(encoding: str, expected: str) -> None:
    records = [
        row(leerlingnummer=str(i), roepnaam=first, achternaam=last)
        for i, (first, last) in enumerate(NAMES)
    ]
    result = parse(csv_text(records).encode(encoding))
    assert result.ok, result.error_messages()
    assert result.encoding == expected
    assert [(r.first_name, r.last_name) for r in result.rows] == NAMES


def test_utf8_names_outside_cp1252_survive() -> None:
    result = parse(csv_text([row(roepnaam="Şükrü", achternaam="Łukasiewicz")]).encode())
    assert result.rows[0].first_name == "Şükrü"
    assert result.rows[0].last_name == "Łukasiewicz"


@pytest.mark.parametrize("newline", ["\r\n", "\n", "\r"])
def test_line_endings(newline: str) -> None:
    result = parse(csv_text(rows(3), newline=newline))
    assert result.ok
    assert [r.line for r in result.rows] == [2, 3, 4]


@pytest.mark.parametrize(
    "written", ["03-09-2008", "3-9-2008", "03/09/2008", "3/9/2008", "2008-09-03"]
)
def test_date_forms(written: str) -> None:
    result = parse(csv_text([row(geboortedatum=written, uitstroomdatum=" 2025-07-01 ")]))
    assert result.ok, result.error_messages()
    assert result.rows[0].date_of_birth == date(2008, 9, 3)
    assert result.rows[0].leaving_date == date(2025, 7, 1)


def test_quoted_field_with_line_break_keeps_line_numbers_right() -> None:
    # The remark spans three physical lines; the next record starts on line 5, not line 3.
    header = (*HEADER, "opmerking")
    records = [
        row(opmerking="eerste regel\nsecond; regel\r\nderde"),
        row(leerlingnummer="2", school="X"),
    ]
    result = parse(csv_text(records, header))
    assert [(e.line, e.column, e.code) for e in result.errors] == [(5, "school", "school_unknown")]


def test_quoted_field_with_line_break_is_accepted_in_an_ignored_column() -> None:
    header = (*HEADER, "opmerking")
    records = [row(opmerking="woont\nbij oma"), row(leerlingnummer="2")]
    result = parse(csv_text(records, header))
    assert result.ok
    assert [r.line for r in result.rows] == [2, 4]
    assert result.ignored_columns == ("opmerking",)


def test_english_headers() -> None:
    header = tuple(ENGLISH_ALIASES[Column(name)] for name in HEADER)
    result = parse(csv_text(rows(2), header, keys=HEADER, separator=","))
    assert result.ok and len(result.rows) == 2


def test_header_matching_ignores_case_spaces_and_bom() -> None:
    header = (
        "\ufeff Leerlingnummer ",
        "ROEPNAAM",
        "Achter naam",
        "Date of Birth",
        " School",
        "uitstroom-datum",
        "Profile",
        "GEMEENTE ",
        "Taal",
        "Deelname",
        "Begeleider",
    )
    result = parse(csv_text(rows(1), header, keys=HEADER))
    assert result.ok, result.error_messages()
    assert result.ignored_columns == ()


def test_unknown_columns_are_ignored_and_reported() -> None:
    header = ("klas", *HEADER, "Mentor ")
    result = parse(csv_text([row(klas="4B", Mentor="x")], header))
    assert result.ok
    assert result.ignored_columns == ("klas", "Mentor")
    assert [w.code for w in result.warnings] == ["ignored_column", "ignored_column"]
    assert result.warnings[0].message() == (
        "Regel 1, kolom 'klas': Deze kolom kent In Beeld niet; hij wordt genegeerd."
    )


def test_optional_columns_may_be_absent_and_get_defaults() -> None:
    header = tuple(h for h in HEADER if h not in {"achternaam", "taal", "deelname", "begeleider"})
    result = parse(csv_text(rows(1), header))
    assert result.ok
    only = result.rows[0]
    assert (only.last_name, only.language, only.participation, only.coordinator_email) == (
        "",
        "nl",
        Participation.ONBEKEND,
        None,
    )


def test_blank_lines_and_trailing_separators_are_spreadsheet_noise() -> None:
    text = csv_text(rows(2)).replace("\r\n", ";;\r\n") + ";;;;;;;;;;\r\n\r\n"
    text = text.replace("\r\n", "\r\n\r\n", 1)  # an empty line right after the header
    result = parse(text)
    assert result.ok, result.error_messages()
    assert [r.line for r in result.rows] == [3, 4]


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ("arbeid", Profile.ARBEID),
        (" Arbeid ", Profile.ARBEID),
        ("DAGBESTEDING", Profile.DAGBESTEDING),
        ("Vervolg onderwijs", Profile.VERVOLGONDERWIJS),
    ],
)
def test_profile_variants(written: str, expected: Profile) -> None:
    assert parse(csv_text([row(uitstroomprofiel=written)])).rows[0].profile is expected


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ("ja", "ja"),
        ("Yes", "ja"),
        ("NEE", "nee"),
        ("no", "nee"),
        ("", "onbekend"),
        ("Unknown", "onbekend"),
        (" onbekend ", "onbekend"),
    ],
)
def test_participation_variants(written: str, expected: str) -> None:
    assert parse(csv_text([row(deelname=written)])).rows[0].participation == expected


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ("", "nl"),
        ("NL", "nl"),
        (" en ", "en"),
        ("nl-NL", "nl"),
        ("pt_BR", "nl"),
        ("uk", "uk"),
        ("ar", "ar"),
        ("tr", "tr"),
        ("pl", "pl"),
    ],
)
def test_language_codes(written: str, expected: str) -> None:
    result = parse(csv_text([row(taal=written)]))
    assert result.ok
    assert result.rows[0].language == expected


def test_a_real_but_unsupported_language_falls_back_to_dutch_with_a_warning() -> None:
    result = parse(csv_text([row(taal="fr")]))
    assert result.ok
    assert result.rows[0].language == "nl"
    assert [(w.line, w.column, w.code, w.value) for w in result.warnings] == [
        (2, "taal", "language_unsupported", "fr")
    ]


def test_school_code_matches_case_insensitively_and_keeps_the_known_spelling() -> None:
    result = parse(csv_text([row(school="pro-tilburg ")]))
    assert result.rows[0].school_code == "PRO-TILBURG"


def test_leaving_date_in_the_future_is_allowed_and_student_number_keeps_leading_zeros() -> None:
    result = parse(csv_text([row(uitstroomdatum="01-07-2031", geboortedatum="01-01-2014")]))
    assert result.ok
    assert result.rows[0].leaving_date == date(2031, 7, 1)
    assert parse(csv_text([row(leerlingnummer="000123")])).rows[0].student_number == "000123"


def test_same_student_number_at_two_schools_is_two_youths() -> None:
    result = parse(csv_text([row(), row(school="PRO-TILBURG")]))
    assert result.ok
    assert {r.key for r in result.rows} == {("PRO-DONGEN", "1001"), ("PRO-TILBURG", "1001")}


def test_a_leading_excel_sep_line_names_the_separator() -> None:
    text = "sep=,\r\n" + csv_text(rows(2), separator=",")
    result = parse(text)
    assert result.ok, result.error_messages()
    assert result.delimiter == ","
    assert [r.line for r in result.rows] == [3, 4]


def test_as_record_holds_exactly_the_compared_fields() -> None:
    record = parse(csv_text([row()])).rows[0].as_record()
    assert tuple(record) == tuple(COMPARED_FIELDS)
    assert record["date_of_birth"] == date(2008, 9, 26)
