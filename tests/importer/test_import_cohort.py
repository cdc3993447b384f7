"""Importing cohort files into the database: created, updated, all-or-nothing, planned."""

from __future__ import annotations

from datetime import date

import pytest
from importer_helpers import (
    REGION_COORDINATOR,
    SMALL,
    SMALL_EN,
    TILBURG_COORDINATOR,
    count,
    make_plans,
    seed_database,
)
from sqlmodel import delete, select

from bot.cohort.apply import import_cohort
from bot.models import ConsentEvent, ScheduledContact, School, StaffUser, Youth
from bot.scheduling import ContactStatus

pytestmark = pytest.mark.db

HEADER, *ROWS = SMALL.read_text(encoding="utf-8-sig").splitlines()
NEE_ROWS = [line for line in ROWS if line.split(";")[9] == "nee"]


def _file(lines: list[str]) -> bytes:
    return ("\r\n".join([HEADER, *lines]) + "\r\n").encode("utf-8")


def _edit(number: str, **columns: str) -> bytes:
    """The small sample with some values of one student changed."""
    names = HEADER.split(";")
    edited = []
    for line in ROWS:
        fields = line.split(";")
        if fields[0] == number:
            for name, value in columns.items():
                fields[names.index(name)] = value
        edited.append(";".join(fields))
    return _file(edited)


async def _import(database, data, now, *, dry_run=False, lang="nl"):
    async with database.transaction() as session:
        return await import_cohort(
            session, data, dry_run=dry_run, plans=make_plans(), now=now, lang=lang
        )


async def _youth(database, number):
    async with database.session() as session:
        return (await session.exec(select(Youth).where(Youth.student_number == number))).one()


async def _contacts(database, youth_id=None):
    async with database.session() as session:
        statement = select(ScheduledContact).order_by(ScheduledContact.youth_id, "key")
        if youth_id is not None:
            statement = statement.where(ScheduledContact.youth_id == youth_id)
        rows = (await session.exec(statement)).all()
    return [
        (r.youth_id, r.key, r.kind, r.due_at, r.expires_at, r.nominal_date, r.flow_id, r.status)
        for r in rows
    ]


async def _counts(database):
    return (
        await count(database, Youth),
        await count(database, ScheduledContact),
        await count(database, ConsentEvent),
    )


async def test_small_sample_creates_forty_youths_with_contacts(database, clock):
    await seed_database(database, clock.now())
    result = await _import(database, SMALL.read_bytes(), clock.now())
    assert result.ok, result.error_messages()
    assert (result.report.created, result.report.updated, result.report.unchanged) == (40, 0, 0)
    assert await count(database, Youth) == 40
    contacts = await _contacts(database)
    assert result.contacts_added == len(contacts) > 0
    assert {c[2] for c in contacts} == {"checkin", "reoffer"}
    assert "Import klaar." in result.summary()


async def test_english_dialect_is_the_same_cohort(database, clock):
    await seed_database(database, clock.now())
    first = await _import(database, SMALL_EN.read_bytes(), clock.now(), lang="en")
    assert first.report.created == 40
    assert "Import done." in first.summary()
    again = await _import(database, SMALL.read_bytes(), clock.now())
    assert (again.report.created, again.report.updated, again.report.unchanged) == (0, 0, 40)
    assert await count(database, Youth) == 40


async def test_bulk_plan_equals_the_per_youth_planner(database, clock):
    """The importer's bulk planning makes exactly the rows `PlanSync.sync` makes per youth."""
    await seed_database(database, clock.now())
    await _import(database, SMALL.read_bytes(), clock.now())
    bulk = await _contacts(database)
    plans = make_plans()
    async with database.transaction() as session:
        await session.exec(delete(ScheduledContact))
        for youth in (await session.exec(select(Youth))).all():
            await plans.sync(session, youth, clock.now())
    assert await _contacts(database) == bulk


async def test_reimport_changes_nothing_and_never_duplicates(database, clock):
    await seed_database(database, clock.now())
    await _import(database, SMALL.read_bytes(), clock.now())
    before = await _counts(database)
    contacts = await _contacts(database)
    result = await _import(database, SMALL.read_bytes(), clock.now())
    assert (result.report.created, result.report.updated, result.report.unchanged) == (0, 0, 40)
    assert await _counts(database) == before
    assert await _contacts(database) == contacts


async def test_changed_name_and_leaving_date_update_and_replan_the_future_only(database, clock):
    # Ömer left 28-12-2025 and takes part: months 3 and 6 are past on 1 September 2026.
    await seed_database(database, clock.now())
    await _import(database, SMALL.read_bytes(), clock.now())
    youth = await _youth(database, "25327400027")
    old = {c[1]: c for c in await _contacts(database, youth.id)}
    now = clock.now()

    edited = _edit("25327400027", roepnaam="Omer", uitstroomdatum="28-01-2026")
    result = await _import(database, edited, now)

    assert (result.report.created, result.report.updated, result.report.unchanged) == (0, 1, 39)
    [change] = [c for c in result.report.rows if c.kind == "updated"]
    assert set(change.changed_fields) == {"first_name", "leaving_date"}
    updated = await _youth(database, "25327400027")
    assert (updated.id, updated.first_name, updated.leaving_date) == (
        youth.id,
        "Omer",
        date(2026, 1, 28),
    )
    assert await count(database, Youth) == 40
    new = {c[1]: c for c in await _contacts(database, youth.id)}
    assert set(new) == set(old)
    for key, row in old.items():
        if row[3] <= now:
            assert new[key] == row, f"past contact {key} must not change"
    future = {key for key, row in old.items() if row[3] > now and row[2] == "checkin"}
    expected = {"checkin:m9": date(2026, 10, 28), "checkin:m12": date(2027, 1, 28)}
    assert future == set(expected)
    for key in future:
        assert new[key][5] == expected[key]
        assert new[key][7] == ContactStatus.PLANNED
    assert result.contacts_updated >= 2


async def test_a_bad_row_imports_nothing_and_every_bad_row_is_reported(database, clock):
    await seed_database(database, clock.now())
    await _import(database, SMALL.read_bytes(), clock.now())
    before = await _counts(database)
    lines = list(ROWS)
    lines[0] = lines[0].replace("Daan", "Daniel")  # a valid change that must not be saved
    lines[1] = lines[1].replace("06-01-2009", "31-02-2009")  # file line 3
    lines[8] = lines[8].replace(";PRO-", ";PRO-ONBEKEND-", 1)  # file line 10: unknown school
    fields = lines[18].split(";")
    fields[10] = "niemand@example.nl"  # file line 20: unknown coordinator
    lines[18] = ";".join(fields)

    result = await _import(database, _file(lines), clock.now())

    assert not result.ok
    assert await _counts(database) == before
    assert (await _youth(database, "51400200000")).first_name == "Daan"
    messages = result.error_messages()
    assert [(e.line, e.column) for e in result.report.errors] == [
        (3, "geboortedatum"),
        (10, "school"),
        (20, "begeleider"),
    ]
    assert messages[0].startswith("Regel 3, kolom 'geboortedatum': '31-02-2009' is geen bestaande")
    assert "geen schoolcode die in In Beeld bekend is" in messages[1]
    assert "geen begeleider die in In Beeld bekend is" in messages[2]
    assert "niets opgeslagen" in result.summary()
    english = await _import(database, _file(lines), clock.now(), lang="en")
    assert english.error_messages()[0].startswith("Line 3, column 'geboortedatum'")


async def test_an_unreadable_file_is_an_error_not_a_crash(database, clock):
    await seed_database(database, clock.now())
    for data in (b"", b"\x00\x01\x02 binary", b"leerlingnummer;roepnaam\n"):
        result = await _import(database, data, clock.now())
        assert not result.ok and result.error_messages()
    assert await count(database, Youth) == 0


async def test_dry_run_writes_nothing_and_reports_the_changes(database, clock):
    await seed_database(database, clock.now())
    empty = await _counts(database)
    first = await _import(database, SMALL.read_bytes(), clock.now(), dry_run=True)
    assert (first.report.created, first.report.updated, first.report.unchanged) == (40, 0, 0)
    assert await _counts(database) == empty
    assert "Proefimport" in first.summary()

    await _import(database, SMALL.read_bytes(), clock.now())
    before = await _counts(database)
    contacts = await _contacts(database)
    edited = _edit("25327400027", roepnaam="Omer").decode()
    extra = "\r\n".join(
        f"{line};{'opmerking' if index == 0 else 'x'}"
        for index, line in enumerate(edited.splitlines())
    ).encode()
    report = (await _import(database, extra, clock.now(), dry_run=True)).report
    assert (report.created, report.updated, report.unchanged) == (0, 1, 39)
    [change] = [c for c in report.rows if c.kind == "updated"]
    assert change.changed_fields == ("first_name",)
    assert report.ignored_columns == ("opmerking",)
    assert await _counts(database) == before
    assert await _contacts(database) == contacts
    assert (await _youth(database, "25327400027")).first_name == "Ömer"


async def test_deelname_nee_plans_only_the_reoffer_and_records_the_decline_once(database, clock):
    await seed_database(database, clock.now())
    result = await _import(database, SMALL.read_bytes(), clock.now())
    assert result.declined_recorded == len(NEE_ROWS) > 0
    bram = await _youth(database, "35968500034")  # left 28-12-2025, deelname nee
    contacts = await _contacts(database, bram.id)
    assert [(c[1], c[2], c[5]) for c in contacts] == [("reoffer", "reoffer", date(2026, 12, 28))]
    async with database.session() as session:
        events = (
            await session.exec(select(ConsentEvent).where(ConsentEvent.youth_id == bram.id))
        ).all()
    assert [(e.action, e.given_by, e.channel, e.purpose) for e in events] == [
        ("declined", "staff", "import", "checkins")
    ]
    assert events[0].text_version.startswith("import/") and len(events[0].text_sha256) == 64

    again = await _import(database, SMALL.read_bytes(), clock.now())
    assert again.declined_recorded == 0
    assert await count(database, ConsentEvent) == len(NEE_ROWS)


async def test_a_change_to_nee_is_recorded_once(database, clock):
    await seed_database(database, clock.now())
    await _import(database, SMALL.read_bytes(), clock.now())
    edited = _edit("25327400027", deelname="nee")
    result = await _import(database, edited, clock.now())
    assert result.declined_recorded == 1
    omer = await _youth(database, "25327400027")
    assert omer.participation == "nee"
    planned = [c for c in await _contacts(database, omer.id) if c[7] == "planned"]
    assert [c[1] for c in planned if c[3] > clock.now()] == ["reoffer"]
    assert (await _import(database, edited, clock.now())).declined_recorded == 0


async def test_dagbesteding_and_vervolgonderwijs_get_no_contacts(database, clock):
    await seed_database(database, clock.now())
    await _import(database, SMALL.read_bytes(), clock.now())
    for number in ("22572800025", "53949900003"):  # Salma (dagbesteding), Milan (vervolg)
        youth = await _youth(database, number)
        assert await _contacts(database, youth.id) == []


async def test_coordinators_come_from_the_row_else_the_school_default(database, clock):
    await seed_database(database, clock.now())
    await _import(database, SMALL.read_bytes(), clock.now())
    async with database.session() as session:
        staff = {s.email: s.id for s in (await session.exec(select(StaffUser))).all()}
    assert (await _youth(database, "76125900002")).coordinator_id == staff[REGION_COORDINATOR]
    # PRO-TILBURG's default is its trajectcoach; other schools have no default.
    assert (await _youth(database, "53949900003")).coordinator_id == staff[TILBURG_COORDINATOR]
    assert (await _youth(database, "55471000001")).coordinator_id is None


async def test_reimport_keeps_a_reassigned_coordinator_and_a_known_participation(database, clock):
    await seed_database(database, clock.now())
    await _import(database, SMALL.read_bytes(), clock.now())
    async with database.transaction() as session:
        region = (await session.exec(select(StaffUser))).first()
        ayoub = (  # deelname onbekend in the file
            await session.exec(select(Youth).where(Youth.student_number == "61916700006"))
        ).one()
        kerem = (  # no begeleider in the file
            await session.exec(select(Youth).where(Youth.student_number == "55471000001"))
        ).one()
        kerem.coordinator_id = region.id  # reassigned in the panel
        ayoub.participation = "ja"  # the youth said yes in the bot
        session.add_all([kerem, ayoub])
    result = await _import(database, SMALL.read_bytes(), clock.now())
    assert (result.report.updated, result.report.unchanged) == (0, 40)
    assert (await _youth(database, "55471000001")).coordinator_id == region.id
    assert (await _youth(database, "61916700006")).participation == "ja"


async def test_unknown_schools_and_coordinators_without_any_seed_are_row_errors(database, clock):
    result = await _import(database, SMALL.read_bytes(), clock.now())
    assert not result.ok
    assert {e.code for e in result.report.errors} == {"school_unknown", "coordinator_unknown"}
    assert len({e.line for e in result.report.errors}) == 40
    async with database.session() as session:
        assert (await session.exec(select(School))).all() == []


async def test_replanning_follows_the_consent_ledger(database, clock):
    """Youths who answered in the bot: a re-import replans them as `PlanSync.sync` would."""
    await seed_database(database, clock.now())
    await _import(database, SMALL.read_bytes(), clock.now())
    async with database.transaction() as session:
        for number, action in (("61916700006", "granted"), ("25327400027", "withdrawn")):
            youth = (await session.exec(select(Youth).where(Youth.student_number == number))).one()
            session.add(
                ConsentEvent(
                    youth_id=youth.id,
                    purpose="checkins",
                    action=action,
                    given_by="youth",
                    text_version="onboarding@1/nl",
                    text_sha256="0" * 64,
                    channel="telegram",
                    recorded_at=clock.now(),
                )
            )
    edited = _edit("61916700006", uitstroomdatum="15-06-2026").decode().splitlines()
    changed = [
        line.replace("28-12-2025", "28-01-2026") if line.startswith("25327400027") else line
        for line in edited[1:]
    ]
    result = await _import(database, _file(changed), clock.now())
    assert result.report.updated == 2
    ayoub = await _youth(database, "61916700006")
    omer = await _youth(database, "25327400027")
    future = lambda rows: [c[1] for c in rows if c[3] > clock.now() and c[7] == "planned"]  # noqa: E731
    assert "checkin:m12" in future(await _contacts(database, ayoub.id))
    assert future(await _contacts(database, omer.id)) == ["reoffer"]
    bulk = await _contacts(database)
    plans = make_plans()
    async with database.transaction() as session:
        for youth in (await session.exec(select(Youth))).all():
            await plans.sync(session, youth, clock.now())
    assert await _contacts(database) == bulk


async def test_the_youths_own_answer_in_the_bot_beats_the_file(database, clock):
    await seed_database(database, clock.now())
    await _import(database, SMALL.read_bytes(), clock.now())
    async with database.transaction() as session:
        lucas = (
            await session.exec(select(Youth).where(Youth.student_number == "12673900017"))
        ).one()
        session.add(
            ConsentEvent(
                youth_id=lucas.id,
                purpose="checkins",
                action="granted",
                given_by="youth",
                text_version="onboarding@1/nl",
                text_sha256="0" * 64,
                channel="telegram",
                recorded_at=clock.now(),
            )
        )
    events = await count(database, ConsentEvent)
    edited = _edit("12673900017", deelname="nee", roepnaam="Luuk")
    line = 1 + next(i for i, row in enumerate(ROWS, 1) if row.startswith("12673900017"))

    result = await _import(database, edited, clock.now())

    [change] = [c for c in result.report.rows if c.kind == "updated"]
    assert change.changed_fields == ("first_name",)
    assert result.participation_kept == (line,)
    assert (
        f"Regel {line}: deelname uit het bestand niet overgenomen"
        in (result.participation_notes()[0])
    )
    lucas = await _youth(database, "12673900017")
    assert (lucas.first_name, lucas.participation) == ("Luuk", "ja")
    assert await count(database, ConsentEvent) == events
