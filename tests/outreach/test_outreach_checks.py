"""Catch-up after downtime and late imports, and the act-time checks: consent, pause, blocked,
a person talking with the youth, not linked yet, a broken row."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import pytest
from sqlmodel import select

from bot.delivery import Status
from bot.models import ConsentEvent, Escalation, OutboxMessage, ScheduledContact, Youth
from bot.outreach.holds import human_conversation_open
from bot.outreach.tick import (
    ANSWERED,
    NO_CONSENT,
    NOT_LINKED,
    PARTLY_ANSWERED,
    PAUSED_MEANWHILE,
    UNREACHABLE,
)
from bot.scheduling import load_programmes, parse_programme
from tests.conversations.conftest import ZONE
from tests.outreach.conftest import Env, at_local, local, make_env

pytestmark = pytest.mark.db

CHAT = 800
GREETING = "Hier is Pro Tilburg weer"

MONTHLY = parse_programme(
    "id: maandelijks\nname: Elke maand\nduration_months: 6\ncontact_months: [1, 2, 3, 4, 5, 6]\n",
    "test",
)


def greetings(env: Env) -> list:
    return [m for m in env.delivered if GREETING in m.text]


async def row(env: Env, youth_id: int, key: str) -> ScheduledContact:
    rows = {r.key: r for r in await env.contacts(youth_id)}
    return rows[key]


async def update_youth(env: Env, youth_id: int, **values: object) -> None:
    async with env.database.transaction() as session:
        youth = await session.get(Youth, youth_id)
        for name, value in values.items():
            setattr(youth, name, value)
        session.add(youth)


# -- catch-up ---------------------------------------------------------------------------------


async def test_after_30_days_down_only_the_latest_missed_checkin_goes_out(database, clock):
    env = make_env(database, clock, {**load_programmes(), "maandelijks": MONTHLY})
    # Leaving 28 January: month 1 is due Monday 1 March, month 2 Monday 29 March (Sundays moved).
    clock.set(at_local(date(2027, 2, 1), time(12)))
    youth_id = await env.onboard(CHAT, programme="maandelijks", leaving_date=date(2027, 1, 28))
    assert (await row(env, youth_id, "checkin:m1")).due_at == at_local(date(2027, 3, 1))
    clock.set(at_local(date(2027, 2, 28), time(12)))
    await env.step()  # the last tick before the outage
    clock.advance(timedelta(days=30))
    delivered = await env.step()

    assert [m.text for m in delivered if GREETING in m.text] != []
    assert len(greetings(env)) == 1, "one check-in, not a burst"
    m1, m2 = await row(env, youth_id, "checkin:m1"), await row(env, youth_id, "checkin:m2")
    assert (m1.status, m1.reason) == ("skipped", "overgeslagen: ingehaald door maand 2")
    assert m2.status == "sent" and m2.handled_at == clock.now()
    await env.step()
    assert len(greetings(env)) == 1, "the next tick sends nothing again"


async def test_a_late_import_gets_one_checkin_not_a_burst(env: Env):
    # Left school eight months ago; the default programme (klas-van) has months 3, 6, 9, 12.
    leaving = local(env.clock.now()).date() - timedelta(days=8 * 30)
    youth_id = await env.onboard(CHAT, leaving_date=leaving)
    await env.step()
    assert len(greetings(env)) == 1
    rows = {r.key: r for r in await env.contacts(youth_id)}
    assert rows["checkin:m6"].status == "sent"
    assert rows["checkin:m3"].status == "skipped"
    assert "ingehaald door maand 6" in rows["checkin:m3"].reason
    assert rows["checkin:m9"].status == "planned"


async def test_a_contact_missed_past_its_expiry_is_skipped_with_the_date(env: Env):
    leaving = local(env.clock.now()).date() - timedelta(days=20 * 30)
    youth_id = await env.onboard(CHAT, leaving_date=leaving)  # klas-van ended 8 months ago
    await env.step()
    assert greetings(env) == []
    m12 = await row(env, youth_id, "checkin:m12")
    assert m12.status == "skipped" and m12.reason.startswith("overgeslagen: te laat")


# -- act-time checks ----------------------------------------------------------------------------


async def _to_first_checkin(env: Env, youth_id: int) -> ScheduledContact:
    first = await row(env, youth_id, "checkin:m3")
    env.clock.set(first.due_at)
    return first


async def test_stop_through_the_router_before_the_tick_sends_nothing(env: Env):
    youth_id = await env.onboard(CHAT)
    await _to_first_checkin(env, youth_id)
    await env.send(CHAT, "command", command="stop")
    await env.drain()
    await env.step()
    assert greetings(env) == []
    assert (await row(env, youth_id, "checkin:m3")).status == "cancelled"


async def test_withdrawal_the_plan_has_not_seen_yet_is_caught_at_act_time(env: Env):
    youth_id = await env.onboard(CHAT)
    first = await _to_first_checkin(env, youth_id)
    async with env.database.transaction() as session:
        session.add(
            ConsentEvent(
                youth_id=youth_id,
                purpose="checkins",
                action="withdrawn",
                given_by="youth",
                text_version="stop",
                text_sha256="0" * 64,
                channel="telegram",
                recorded_at=first.due_at - timedelta(minutes=1),
            )
        )
    await env.step()
    assert greetings(env) == []
    m3 = await row(env, youth_id, "checkin:m3")
    assert (m3.status, m3.reason) == ("skipped", NO_CONSENT)


async def test_pause_holds_everything_until_it_ends_then_one_checkin(env: Env):
    youth_id = await env.onboard(CHAT)
    first = await _to_first_checkin(env, youth_id)
    pause_end = local(first.due_at).date() + timedelta(days=10)
    await update_youth(env, youth_id, paused_until=pause_end)
    report = await env.outreach.tick()
    await env.drain()
    assert report.youths == 0, "a paused youth costs no work per tick"
    env.clock.set(at_local(pause_end, time(15)))
    await env.step()
    assert greetings(env) == []
    assert (await row(env, youth_id, "checkin:m3")).status == "planned"
    env.clock.set(at_local(pause_end + timedelta(days=1), time(10, 30)))
    await env.step()
    await env.step()
    assert len(greetings(env)) == 1
    assert local(greetings(env)[0].at).date() == pause_end + timedelta(days=1)


async def test_blocked_youth_gets_nothing(env: Env):
    youth_id = await env.onboard(CHAT)
    await _to_first_checkin(env, youth_id)
    await env.send(CHAT, "blocked")
    await env.step()
    assert greetings(env) == []
    m3 = await row(env, youth_id, "checkin:m3")
    assert (m3.status, m3.reason) == ("skipped", UNREACHABLE)


async def _escalation(env: Env, youth_id: int, state: str) -> int:
    async with env.database.transaction() as session:
        escalation = Escalation(
            youth_id=youth_id, state=state, severity="attention", opened_at=env.clock.now()
        )
        session.add(escalation)
        await session.flush()
        return escalation.id  # type: ignore[return-value]


async def _set_escalation(env: Env, escalation_id: int, state: str) -> None:
    async with env.database.transaction() as session:
        escalation = await session.get(Escalation, escalation_id)
        escalation.state = state
        session.add(escalation)


async def test_no_checkin_while_a_person_talks_with_the_youth(env: Env):
    youth_id = await env.onboard(CHAT)
    first = await _to_first_checkin(env, youth_id)
    escalation = await _escalation(env, youth_id, "in_progress")
    report = await env.outreach.tick()
    await env.drain()
    assert report.outcomes["held"] == 1 and greetings(env) == []
    assert (await row(env, youth_id, "checkin:m3")).status == "planned"
    await _set_escalation(env, escalation, "closed")
    env.clock.set(first.due_at + timedelta(hours=2))
    await env.step()
    assert len(greetings(env)) == 1


async def test_a_hold_until_too_late_ends_in_a_skip(env: Env):
    youth_id = await env.onboard(CHAT)
    first = await _to_first_checkin(env, youth_id)
    await _escalation(env, youth_id, "acknowledged")
    await env.step()
    env.clock.set(first.expires_at + timedelta(hours=1))  # the next check-in is due now
    await env.step()
    m3, m6 = await row(env, youth_id, "checkin:m3"), await row(env, youth_id, "checkin:m6")
    assert m3.status == "skipped" and "ingehaald door maand 6" in m3.reason
    assert m6.status == "planned", "still held"
    assert greetings(env) == []


async def test_human_conversation_open_reads_escalation_states(env: Env):
    ids = []
    for number, state in enumerate(
        ["open", "acknowledged", "in_progress", "handed_over", "closed"]
    ):
        youth_id, _ = await env.seed(
            student_number=f"20{number}", school_code=f"S{number}", first_name="X"
        )
        await _escalation(env, youth_id, state)
        ids.append(youth_id)
    async with env.database.session() as session:
        held = await human_conversation_open(session, frozenset(ids))
        assert await human_conversation_open(session, frozenset()) == set()
    assert held == {ids[1], ids[2]}


async def test_a_youth_not_linked_yet_is_skipped_with_that_reason(env: Env):
    youth_id, _ = await env.seed(participation="ja")
    async with env.database.transaction() as session:
        youth = await session.get(Youth, youth_id)
        await env.plans.sync(session, youth, env.clock.now())
    await _to_first_checkin(env, youth_id)
    await env.step()
    m3 = await row(env, youth_id, "checkin:m3")
    assert (m3.status, m3.reason) == ("skipped", NOT_LINKED)
    assert env.delivered == []


async def test_one_broken_row_does_not_block_the_others(env: Env):
    good = await env.onboard(CHAT)
    bad, _ = await env.seed(student_number="666", school_code="BAD")
    first = await row(env, good, "checkin:m3")
    async with env.database.transaction() as session:
        session.add(
            ScheduledContact(
                youth_id=bad,
                key="weird",
                kind="no-such-kind",
                series="weird",
                label="kapot",
                due_at=first.due_at - timedelta(days=1),
            )
        )
    env.clock.set(first.due_at)
    report = await env.outreach.tick()
    await env.drain()
    assert report.outcomes["failed"] == 1
    assert report.sent == 1 and len(greetings(env)) == 1
    async with env.database.session() as session:
        weird = (
            await session.exec(select(ScheduledContact).where(ScheduledContact.key == "weird"))
        ).one()
    assert weird.status == "planned", "rolled back, retried next tick"


async def test_dst_week_contact_goes_out_at_ten_local(env: Env):
    # Clocks go back on Sunday 25 October 2026; month 3 after 26 July is Monday 26 October.
    youth_id = await env.onboard(CHAT, leaving_date=date(2026, 7, 26))
    other = await env.onboard(
        CHAT + 1, leaving_date=date(2026, 7, 23), student_number="1002", school_code="PRO-2"
    )
    await env.walk(other, datetime(2026, 10, 24, tzinfo=ZONE))
    await env.walk(youth_id, datetime(2026, 10, 27, tzinfo=ZONE))
    ours = [m for m in greetings(env) if m.chat_id == CHAT]
    before = [m for m in env.delivered if m.chat_id == CHAT + 1 and "weer" in m.text]
    assert [local(m.at).strftime("%Y-%m-%d %H:%M %Z") for m in ours] == ["2026-10-26 10:00 CET"]
    assert ours[0].at.astimezone(ZONE).utcoffset() == timedelta(hours=1)
    assert ours[0].at.hour == 9  # UTC
    assert [local(m.at).strftime("%Y-%m-%d %H:%M %Z") for m in before] == ["2026-10-23 10:00 CEST"]
    assert other


async def test_a_half_answered_checkin_gets_no_reminder_and_is_closed_at_silence(env: Env):
    youth_id = await env.onboard(CHAT)
    first = await _to_first_checkin(env, youth_id)
    await env.step()
    env.clock.advance(timedelta(minutes=5))
    await env.send(CHAT, "text", text="goed")  # the mood question; then nothing more
    await env.drain()
    await env.walk(youth_id, first.due_at + timedelta(days=20))
    rows = {r.key: r for r in await env.contacts(youth_id)}
    assert rows["reminder:checkin:m3:1"].reason == ANSWERED
    assert rows["silence:checkin:m3"].reason == PARTLY_ANSWERED
    assert not any("gezien" in m.text for m in env.delivered)
    assert await env.active_conversation(youth_id) is None, "closed so its answers count"
    assert ("answers", "checkin") in env.watchers.calls
    assert ("event", "silent_after_nudges") not in env.watchers.calls


async def test_silence_during_a_pause_is_not_a_signal(env: Env):
    youth_id = await env.onboard(CHAT)
    first = await _to_first_checkin(env, youth_id)
    await env.step()
    pause_end = local(first.due_at).date() + timedelta(days=30)
    await update_youth(env, youth_id, paused_until=pause_end)
    env.clock.set(at_local(pause_end + timedelta(days=1), time(11)))
    await env.step()
    rows = {r.key: r for r in await env.contacts(youth_id)}
    assert rows["silence:checkin:m3"].reason == PAUSED_MEANWHILE
    assert rows["reminder:checkin:m3:2"].reason.startswith("overgeslagen: te laat")
    assert ("event", "silent_after_nudges") not in env.watchers.calls
    assert not any("gezien" in m.text for m in env.delivered)


async def test_a_checkin_lost_in_the_crash_window_is_asked_again_by_the_reminder(env: Env):
    """A crash between marking a check-in `sending` and Telegram receiving it leaves the row
    `uncertain` and unsent (not resent: it might have arrived). The youth is not forgotten: the
    first reminder asks the open question again."""
    youth_id = await env.onboard(CHAT)
    first = await _to_first_checkin(env, youth_id)
    await env.outreach.tick()
    async with env.database.transaction() as session:
        queued = (
            await session.exec(
                select(OutboxMessage).where(
                    OutboxMessage.youth_id == youth_id, OutboxMessage.status == Status.PENDING
                )
            )
        ).all()
        assert len(queued) == 1, "the greeting and the mood question are one message"
        queued[0].status = Status.UNCERTAIN  # what reconcile() makes of a row left `sending`
        session.add(queued[0])
    assert await env.drain() == []
    await env.walk(youth_id, first.due_at + timedelta(days=4))
    rows = {r.key: r for r in await env.contacts(youth_id)}
    assert rows["reminder:checkin:m3:1"].status == "sent"
    asked = [m for m in env.delivered if m.chat_id == CHAT and "Hoe gaat het met je?" in m.text]
    assert len(asked) == 1 and local(asked[0].at).date() > local(first.due_at).date()
