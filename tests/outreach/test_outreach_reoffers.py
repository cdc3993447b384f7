"""The one-year re-offer for decliners, kept as evidence per school; programme changes; the CLI."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime, time, timedelta

import pytest
from sqlmodel import select

from bot.cli import build_parser
from bot.cli.schedule_commands import print_due, print_schedule
from bot.models import ConsentEvent, Youth
from bot.outreach.programmes import UnknownProgramme, change_programme
from bot.outreach.reoffers import CSV_COLUMNS, reoffer_evidence, reoffers_csv
from bot.outreach.tick import NOT_LINKED
from tests.conversations.conftest import ZONE
from tests.outreach.conftest import Env, local

pytestmark = pytest.mark.db

CHAT = 900
REOFFER_TEXT = "Een jaar geleden ging je van school"
END = datetime(2029, 1, 1, tzinfo=ZONE)


async def test_a_decliner_gets_the_reoffer_once_a_year_after_leaving_and_says_yes(env: Env):
    youth_id = await env.onboard(CHAT, agree=False)
    rows = await env.contacts(youth_id)
    assert [r.key for r in rows] == ["reoffer"]
    answered = False

    async def say_yes(delivered) -> None:
        nonlocal answered
        if not answered and any(REOFFER_TEXT in m.text for m in delivered):
            answered = True
            env.clock.advance(timedelta(hours=1))
            await env.send(CHAT, "button", button_data=await env.button(CHAT, "Ja graag"))
            await env.drain()

    await env.walk(youth_id, END, on_delivered=say_yes)
    offers = [m for m in env.delivered if REOFFER_TEXT in m.text]
    assert len(offers) == 1
    assert "Mevrouw Jansen" in offers[0].text, "in the name of the school contact"
    sent = local(offers[0].at)
    assert sent.date() == date(2027, 7, 1) and sent.time() == time(10, 0)
    assert ("handoff", "reoffer_accepted") in env.watchers.calls
    rows = {r.key: r for r in await env.contacts(youth_id)}
    assert not any(r.kind == "reminder" for r in rows.values()), "no reminders for a re-offer"
    assert rows["silence:reoffer"].status == "skipped"

    async with env.database.session() as session:
        [record] = await reoffer_evidence(session)
        assert await reoffer_evidence(session, school_id=record.school_id + 1) == []
        consent = (
            await session.exec(select(ConsentEvent.action).where(ConsentEvent.youth_id == youth_id))
        ).all()
    assert consent == ["declined", "granted"]
    assert (record.status, record.answer) == ("sent", "ja")
    assert record.sent_at == offers[0].at
    assert record.answered_at == offers[0].at + timedelta(hours=1)
    assert record.nominal_date == date(2027, 7, 1)
    table = list(csv.reader(io.StringIO(reoffers_csv([record]))))
    assert table[0] == list(CSV_COLUMNS)
    assert table[1][0] == "PRO-TLB" and table[1][7] == "sent" and table[1][10] == "ja"
    assert table[1][9] == "2027-07-01 10:00"


async def test_silence_after_a_reoffer_goes_to_the_coordinator(env: Env):
    youth_id = await env.onboard(CHAT, agree=False)
    await env.walk(youth_id, END)
    rows = {r.key: r for r in await env.contacts(youth_id)}
    assert rows["reoffer"].status == "sent" and rows["silence:reoffer"].status == "sent"
    notes = [note for kind, note in env.watchers.calls if kind == "task"]
    assert len(notes) == 1 and "Neem persoonlijk contact op" in notes[0]
    assert ("event", "silent_after_nudges") not in env.watchers.calls
    async with env.database.session() as session:
        [record] = await reoffer_evidence(session)
    assert record.answer is None and record.sent_at is not None


async def test_a_reoffer_that_cannot_go_through_the_bot_becomes_a_coordinator_task(env: Env):
    youth_id, _ = await env.seed(participation="nee")
    async with env.database.transaction() as session:
        youth = await session.get(Youth, youth_id)
        await env.plans.sync(session, youth, env.clock.now())
    await env.walk(youth_id, END)
    [reoffer] = await env.contacts(youth_id)
    assert (reoffer.status, reoffer.reason) == ("skipped", NOT_LINKED)
    notes = [note for kind, note in env.watchers.calls if kind == "task"]
    assert len(notes) == 1 and "persoonlijk" in notes[0]


def test_csv_cells_cannot_become_formulas():
    from bot.outreach.reoffers import ReofferRecord

    record = ReofferRecord(
        youth_id=1,
        student_number="=1+1",
        first_name="@Sem",
        last_name=None,
        school_id=1,
        school_code="X",
        school_name="-School",
        nominal_date=None,
        due_at=datetime(2027, 7, 1, 8, tzinfo=ZONE),
        status="planned",
        reason=None,
        sent_at=None,
        answer=None,
        answered_at=None,
    )
    [_, line] = list(csv.reader(io.StringIO(reoffers_csv([record]))))
    assert line[1:4] == ["'-School", "'=1+1", "'@Sem"]


# -- programme change ----------------------------------------------------------------------------


async def test_changing_the_programme_changes_only_the_future(env: Env):
    youth_id = await env.onboard(CHAT)
    m3 = {r.key: r for r in await env.contacts(youth_id)}["checkin:m3"]
    await env.walk(youth_id, m3.due_at + timedelta(days=20))  # m3 and its nudges are done
    before = {r.key: (r.status, r.handled_at) for r in await env.contacts(youth_id)}
    async with env.database.transaction() as session:
        youth = await session.get(Youth, youth_id)
        with pytest.raises(UnknownProgramme, match=r"choose one of: .*tweemaandelijks"):
            await change_programme(session, youth, "bestaat-niet", env.plans, env.clock.now())
        await change_programme(session, youth, "tweemaandelijks", env.plans, env.clock.now())
    after = {r.key: r for r in await env.contacts(youth_id)}
    for key, (status, handled_at) in before.items():
        if status != "planned":
            assert (after[key].status, after[key].handled_at) == (status, handled_at), key
    assert after["checkin:m9"].status == "cancelled"
    assert after["checkin:m4"].status == "planned"
    assert "checkin:m2" not in after, "a past moment of the new programme is not added"
    assert all(r.due_at > env.clock.now() for r in after.values() if r.status == "planned")


async def test_an_unknown_programme_changes_nothing(env: Env):
    youth_id = await env.onboard(CHAT)
    before = [(r.key, r.status) for r in await env.contacts(youth_id)]
    async with env.database.transaction() as session:
        youth = await session.get(Youth, youth_id)
        with pytest.raises(UnknownProgramme):
            await change_programme(session, youth, "nope", env.plans, env.clock.now())
    assert [(r.key, r.status) for r in await env.contacts(youth_id)] == before
    async with env.database.session() as session:
        assert (await session.get(Youth, youth_id)).programme_id is None


# -- inbeeld schedule ----------------------------------------------------------------------------


async def test_schedule_prints_a_youths_plan_in_local_dates(env: Env, capsys):
    youth_id = await env.onboard(CHAT)
    m3 = {r.key: r for r in await env.contacts(youth_id)}["checkin:m3"]
    await env.walk(youth_id, m3.due_at + timedelta(days=4))  # m3 sent, reminder 1 sent
    by_id, by_code = io.StringIO(), io.StringIO()
    assert await print_schedule(env.database, str(youth_id), zone=ZONE, out=by_id) == 0
    assert await print_schedule(env.database, "PRO-TLB:1001", zone=ZONE, out=by_code) == 0
    text = by_id.getvalue()
    assert text == by_code.getvalue()
    lines = text.splitlines()
    assert lines[0].startswith("Sem (id 1, PRO-TLB:1001), programma standaard")
    assert lines[1].split()[:2] == ["wanneer", "soort"]
    checkin = next(line for line in lines if "maand 3" in line and "checkin" in line)
    assert "donderdag 1 oktober 2026 10:00" in checkin and "sent" in checkin
    assert any(
        "reminder" in line and "herinnering 2" in line and "planned" in line for line in lines
    )
    assert sum("checkin" in line for line in lines) == 4

    assert await print_schedule(env.database, "PRO-TLB:9999", zone=ZONE, out=io.StringIO()) == 1
    assert await print_schedule(env.database, "Sem", zone=ZONE, out=io.StringIO()) == 1
    assert "SCHOOLCODE:leerlingnummer" in capsys.readouterr().err


async def test_schedule_due_lists_what_is_due_now(env: Env):
    youth_id = await env.onboard(CHAT)
    m3 = {r.key: r for r in await env.contacts(youth_id)}["checkin:m3"]
    quiet = io.StringIO()
    await print_due(env.database, env.clock.now(), zone=ZONE, out=quiet)
    assert quiet.getvalue().strip() == "niets te doen"
    out = io.StringIO()
    await print_due(env.database, m3.due_at, zone=ZONE, out=out)
    lines = out.getvalue().splitlines()
    assert "PRO-TLB:1001" in lines[1] and "checkin" in lines[1] and "maand 3" in lines[1]
    assert lines[-1] == "1 contact(en) klaar"


def test_schedule_is_a_registered_command():
    parser = build_parser()
    assert parser.parse_args(["schedule", "--due"]).due is True
    assert parser.parse_args(["schedule", "PRO-TLB:1001"]).youth == "PRO-TLB:1001"


async def test_the_schedule_command_reads_the_configured_database(env: Env, monkeypatch, capsys):
    import argparse

    from bot.cli import schedule_commands

    await env.onboard(CHAT)
    monkeypatch.setenv("INBEELD_DATABASE_URL", env.database.url)
    args = argparse.Namespace(youth="PRO-TLB:1001", due=False)
    assert await schedule_commands._schedule(args) == 0
    assert "programma standaard" in capsys.readouterr().out
    assert await schedule_commands._schedule(argparse.Namespace(youth=None, due=False)) == 2
    assert "give a youth, or --due" in capsys.readouterr().err
    assert await schedule_commands._schedule(argparse.Namespace(youth=None, due=True)) == 0
