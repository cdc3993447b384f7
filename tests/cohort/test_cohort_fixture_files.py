"""Two hand-made files as a school might really send them: one odd but valid, one broken."""

from __future__ import annotations

from datetime import date

from cohort_files import DATA, codes, parse

from bot.cohort import Participation, Profile


def test_windows_1252_tab_separated_export_with_a_multiline_remark() -> None:
    result = parse((DATA / "cohort-cp1252-tab.csv").read_bytes())
    assert result.ok, result.error_messages()
    assert (result.encoding, result.delimiter) == ("cp1252", "\t")
    assert result.ignored_columns == ("Opmerking",)
    zoe, anais, francois = result.rows
    assert (zoe.student_number, zoe.first_name, zoe.last_name) == ("0012", "Zoë", "Müller")
    assert (zoe.school_code, zoe.date_of_birth, zoe.language) == (
        "PRO-TILBURG",
        date(2008, 9, 3),
        "nl",
    )
    assert (anais.last_name, anais.municipality, anais.line) == ("van 't Hof", "Gilze en Rijen", 3)
    assert anais.coordinator_email == "trajectcoach@pro-tilburg.example"
    assert (anais.profile, anais.participation) == (Profile.DAGBESTEDING, Participation.NEE)
    assert francois.line == 5  # the remark above spans two lines
    assert francois.language == "nl"
    assert [(w.line, w.code) for w in result.warnings] == [
        (1, "ignored_column"),
        (5, "language_unsupported"),
    ]


def test_broken_file_reports_every_problem_and_imports_nothing() -> None:
    result = parse((DATA / "cohort-broken.csv").read_bytes())
    assert result.rows == ()
    assert codes(result) == [
        (3, "geboortedatum", "date_impossible"),
        (4, "achternaam", "control_characters"),
        (4, "school", "school_unknown"),
        (4, "uitstroomprofiel", "profile_unknown"),
        (6, "begeleider", "coordinator_unknown"),
        (7, "leerlingnummer", "duplicate_student"),
        (8, None, "too_many_fields"),
        (9, None, "too_few_fields"),
    ]
    assert result.checked_rows == 7  # the record on lines 4-5 is one row
