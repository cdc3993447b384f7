"""Each programme template walked through its whole term: every contact once, on time, in the
window; reminders only while unanswered; silence signalled; answering stops the nudges."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

import pytest

from bot.outreach.texts import REMINDER_INTRO
from bot.outreach.tick import ANSWERED
from bot.scheduling import term_end
from bot.signals.vocabulary import EVENT_SILENT_AFTER_NUDGES
from tests.outreach.conftest import Env, local

pytestmark = pytest.mark.db

TEMPLATES = ["klas-van", "twee-jaar-kwartaal", "pro-zutphen", "tweemaandelijks", "drie-per-jaar"]
CHAT = 700
GREETING = "Hier is Pro Tilburg weer"
REMINDER = REMINDER_INTRO.split("{")[0]  # "Hoi "... the text before the name


def in_window(env: Env, programme_id: str, delivered) -> None:
    window = env.programmes[programme_id].send_window
    for message in delivered:
        moment = local(message.at)
        assert window.allows_day(moment.date()), f"{message.text!r} sent on {moment:%A %d-%m-%Y}"
        assert window.start <= moment.time() < window.end, f"sent at {moment:%H:%M}"


@pytest.mark.parametrize("programme_id", TEMPLATES)
async def test_a_whole_term_goes_right(env: Env, programme_id: str) -> None:
    youth_id = await env.onboard(CHAT, programme=programme_id)
    programme = env.programmes[programme_id]
    answered_first = False

    async def answer_the_first_checkin(delivered) -> None:
        nonlocal answered_first
        if not answered_first and any(GREETING in m.text for m in delivered):
            answered_first = True
            await env.answer_open_conversation(CHAT, youth_id)

    leaving = await _leaving(env, youth_id)
    end = local(env.clock.now()).replace(year=2029)  # past every term; walk stops when done
    onboarding_count = len(env.delivered)
    await env.walk(youth_id, end, on_delivered=answer_the_first_checkin)
    rows = await env.contacts(youth_id)
    by_key = {row.key: row for row in rows}

    checkins = [row for row in rows if row.kind == "checkin"]
    assert checkins, "the template plans check-ins"
    assert all(row.status == "sent" for row in checkins), [(r.key, r.status) for r in checkins]
    assert all(row.handled_at == row.due_at for row in checkins), "each on its own due moment"
    assert term_end(programme, leaving) >= local(checkins[-1].due_at).date() - timedelta(days=7)

    # Exactly once: one greeting per check-in, one conversation per contact.
    tick_messages = env.delivered[onboarding_count:]
    greetings = [m for m in tick_messages if GREETING in m.text]
    assert len(greetings) == len(checkins)
    assert [m.at for m in greetings] == [row.due_at for row in checkins]

    first, rest = checkins[0], checkins[1:]
    for key in (f"reminder:{first.key}:1", f"reminder:{first.key}:2", f"silence:{first.key}"):
        assert by_key[key].status == "skipped" and by_key[key].reason == ANSWERED, key
    reminders = [row for row in rows if row.kind == "reminder" and row.parent_key != first.key]
    silences = [row for row in rows if row.kind == "silence_check" and row.parent_key != first.key]
    invitations = [row for row in rows if row.kind == "invitation"]
    unanswered = {row.key for row in rest} | {row.key for row in invitations}
    assert {row.parent_key for row in silences} == unanswered
    assert all(row.status == "sent" and row.handled_at == row.due_at for row in reminders)
    assert all(row.status == "sent" and row.handled_at == row.due_at for row in silences)
    for silence in silences:
        parent = by_key[silence.parent_key]
        assert silence.due_at == parent.handled_at + timedelta(days=programme.nudges.silence_days)
    assert len(reminders) >= len(rest)  # at least one reminder fits before every silence
    reminder_messages = [
        m for m in tick_messages if m.text.startswith(REMINDER) and "gezien" in m.text
    ]
    assert len(reminder_messages) == len(reminders)
    silent = Counter(env.watchers.calls)[("event", EVENT_SILENT_AFTER_NUDGES)]
    assert silent == len(rest)  # an unanswered invitation becomes a task for the coordinator

    # Coordinator tasks reach the coordinator once each; the youth gets the invitation.
    tasks = [row for row in rows if row.kind == "coordinator_task"]
    assert all(row.status == "sent" for row in tasks)
    task_notes = [call for call in env.watchers.calls if call[0] == "task"]
    assert len(task_notes) == len(tasks) + len(invitations)
    for invite in (row for row in rows if row.kind == "invitation"):
        assert invite.status == "sent", invite.reason

    in_window(env, programme_id, tick_messages)
    assert all(row.status != "planned" for row in rows)


async def _leaving(env: Env, youth_id: int):
    from bot.models import Youth

    async with env.database.session() as session:
        return (await session.get(Youth, youth_id)).leaving_date
