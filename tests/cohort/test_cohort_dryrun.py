"""The dry run classifies rows against existing records and says so in plain Dutch."""

from __future__ import annotations

from datetime import date, datetime

from cohort_files import HEADER, csv_text, parse, row

from bot.cohort import Participation, Profile, diff_cohort
from bot.cohort.dryrun import ChangeKind


def _existing(**overrides: object) -> dict[str, object]:
    # As the database might hand it back: enums, dates, None for empty.
    record: dict[str, object] = {
        "first_name": "Daan",
        "last_name": "de Vries",
        "date_of_birth": date(2008, 9, 26),
        "leaving_date": date(2025, 7, 31),
        "profile": Profile.ARBEID,
        "municipality": "Goirle",
        "language": "nl",
        "participation": Participation.ONBEKEND,
        "coordinator_email": None,
    }
    record.update(overrides)
    return record


def test_rows_are_created_updated_or_unchanged() -> None:
    parsed = parse(
        csv_text(
            [
                row(leerlingnummer="1"),
                row(leerlingnummer="2", gemeente="Tilburg", deelname="nee"),
                row(leerlingnummer="3"),
            ],
            (*HEADER, "klas"),
        )
    )
    existing = {
        ("PRO-DONGEN", "1"): _existing(
            profile="arbeid", participation="onbekend", last_name=" de Vries"
        ),
        ("pro-dongen", "2"): _existing(leaving_date=datetime(2025, 7, 31, 0, 0)),
        ("PRO-DONGEN", "99"): _existing(),  # not in the file: untouched, not reported
    }
    report = diff_cohort(parsed, existing)
    assert [(c.kind, c.row.student_number) for c in report.rows] == [
        (ChangeKind.UNCHANGED, "1"),
        (ChangeKind.UPDATED, "2"),
        (ChangeKind.CREATED, "3"),
    ]
    updated = report.rows[1]
    assert updated.changed_fields == ("municipality", "participation")
    assert [(c.column, c.old, c.new) for c in updated.changes] == [
        ("gemeente", "Goirle", "Tilburg"),
        ("deelname", Participation.ONBEKEND, Participation.NEE),
    ]
    assert (report.created, report.updated, report.unchanged) == (1, 1, 1)
    assert report.ignored_columns == ("klas",)
    assert report.summary() == (
        "Proefimport: er is nog niets opgeslagen.\n"
        "Nieuw: 1 leerling.\n"
        "Gewijzigd: 1 leerling.\n"
        "Ongewijzigd: 1 leerling.\n"
        "Genegeerde kolommen: 'klas'.\n"
        "Let op: 1 waarschuwing."
    )
    assert "New: 1 student." in report.summary("en")


def test_coordinator_compared_case_insensitively_and_empty_equals_none() -> None:
    parsed = parse(csv_text([row(begeleider="trajectcoach@pro-tilburg.example", achternaam="")]))
    existing = {
        ("PRO-DONGEN", "1001"): _existing(
            coordinator_email="TrajectCoach@pro-tilburg.example", last_name=None
        )
    }
    report = diff_cohort(parsed, existing)
    assert report.unchanged == 1


def test_plural_counts_and_no_existing_records() -> None:
    parsed = parse(csv_text([row(leerlingnummer=str(i)) for i in range(3)]))
    report = diff_cohort(parsed, {})
    assert report.created == 3
    assert "Nieuw: 3 leerlingen." in report.summary()
    assert "Gewijzigd: 0 leerlingen." in report.summary()


def test_a_file_with_errors_gives_a_report_that_creates_nothing() -> None:
    parsed = parse(csv_text([row(), row(geboortedatum="31-02-2008", leerlingnummer="2")]))
    report = diff_cohort(parsed, {})
    assert not report.ok
    assert report.rows == ()
    assert report.summary() == (
        "Het bestand kan niet worden ingelezen: 1 fout. Er wordt niets opgeslagen tot alle "
        "fouten zijn opgelost."
    )


def test_existing_records_made_from_rows_are_unchanged() -> None:
    parsed = parse(csv_text([row(leerlingnummer=str(i)) for i in range(5)]))
    existing = {r.key: r.as_record() for r in parsed.rows}
    report = diff_cohort(parsed, existing)
    assert (report.created, report.updated, report.unchanged) == (0, 0, 5)
