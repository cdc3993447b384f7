"""Coordinator alerts in Telegram, acknowledging by button, reminders, the backup, handover."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import select

from bot.escalation import EscalationError
from bot.models import Escalation, StaffUser
from bot.watchers import (
    accept_handover,
    acknowledge,
    close,
    escalation_tick,
    request_handover,
    start_work,
)

from .conftest import BACKUP_CHAT, COORDINATOR_CHAT, PANEL

pytestmark = pytest.mark.db


async def _low_mood_checkin(world, chat, name="Lisa"):
    youth_id = await world.onboard(chat, first_name=name)
    await world.start_checkin(youth_id)
    await world.answer(chat, "😞", "Niks op dit moment", "Ik neem even rust", "Geld")
    await world.answer(chat, "Ja, bel me", "Sla over")
    return youth_id


async def _staff(world, key):
    async with world.database.session() as session:
        return await session.get(StaffUser, world.ids[key])


async def test_the_alert_arrives_with_its_buttons_and_tapping_acknowledges(world):
    youth_id = await _low_mood_checkin(world, 701)
    [escalation] = await world.escalations(youth_id)
    alert = world.emu.control.bot_messages(COORDINATOR_CHAT)[-1]
    assert alert["text"].startswith("In Beeld: Lisa (Pro Tilburg) heeft aandacht nodig.")
    assert "dinsdag 1 september 2026" in alert["text"]  # the reasons carry their dates
    assert "mood=1" in alert["text"] and "Achternaam" not in alert["text"]
    assert alert["buttons"] == [
        [{"text": "Ik pak het op", "callback_data": f"e:ack:{escalation.id}"}],
        [{"text": "Open in panel", "url": f"{PANEL}/youths/{youth_id}"}],
        [{"text": "Geef door", "callback_data": f"e:fwd:{escalation.id}"}],
    ]
    assert all(
        len(b["callback_data"].encode()) <= 64
        for row in alert["buttons"]
        for b in row
        if "callback_data" in b
    )

    world.clock.advance(timedelta(minutes=12))
    await world.tap(COORDINATOR_CHAT, "Ik pak het op")
    [escalation] = await world.escalations(youth_id)
    assert escalation.state == "acknowledged"
    assert escalation.acknowledged_by == world.ids["coordinator"]
    assert escalation.acknowledged_at == world.clock.now()
    assert escalation.next_reminder_at is None
    assert world.texts(COORDINATOR_CHAT)[-1].startswith("Genoteerd: jij pakt Lisa op.")

    # Tapping again (or the backup tapping late) says who already has it.
    await world.tap(COORDINATOR_CHAT, "Ik pak het op")
    assert world.texts(COORDINATOR_CHAT)[-1] == "Deze melding is al opgepakt door Anouk."

    await world.tap(COORDINATOR_CHAT, "Geef door")
    assert "Overdragen" in world.texts(COORDINATOR_CHAT)[-1]
    assert f"{PANEL}/youths/{youth_id}" in world.texts(COORDINATOR_CHAT)[-1]
    assert world.texts(BACKUP_CHAT)[-1].startswith("Gelukt")  # the backup was not bothered


async def test_reminder_then_backup_for_an_unacknowledged_alert(world):
    # Opened Tuesday 1 September 10:00 (Amsterdam): acknowledge within 2 working days.
    youth_id = await _low_mood_checkin(world, 702)
    before = len(world.texts(COORDINATOR_CHAT))

    world.clock.set(datetime(2026, 9, 3, 7, 59, tzinfo=UTC))  # Thursday 09:59
    report = await escalation_tick(world.watchers)
    await world.pump()
    assert report.reminders == 0 and len(world.texts(COORDINATOR_CHAT)) == before

    world.clock.set(datetime(2026, 9, 3, 8, 0, tzinfo=UTC))  # Thursday 10:00: the deadline
    report = await escalation_tick(world.watchers)
    await world.pump()
    assert report.reminders == 1
    assert world.texts(COORDINATOR_CHAT)[-1].startswith("Herinnering: niemand heeft de melding")
    assert world.texts(BACKUP_CHAT)[-1].startswith("Gelukt")
    again = await escalation_tick(world.watchers)  # a second tick sends nothing twice
    assert again.reminders == again.backups == 0

    world.clock.set(datetime(2026, 9, 4, 8, 0, tzinfo=UTC))  # Friday 10:00: one working day on
    report = await escalation_tick(world.watchers)
    await world.pump()
    assert report.backups == 1
    backup_alert = world.emu.control.bot_messages(BACKUP_CHAT)[-1]
    assert backup_alert["text"].startswith("Je bent reserve voor Anouk. Lisa (Pro Tilburg)")
    [escalation] = await world.escalations(youth_id)
    assert escalation.backup_alerted_at == world.clock.now()

    # The backup may pick it up.
    await world.tap(BACKUP_CHAT, "Ik pak het op")
    [escalation] = await world.escalations(youth_id)
    assert escalation.acknowledged_by == world.ids["backup"]
    world.clock.advance(timedelta(days=10))
    assert (await escalation_tick(world.watchers)).reminded == []


async def test_urgent_reminders_come_after_minutes(world):
    youth_id = await world.onboard(703, first_name="Mila")
    await world.say(703, "ik denk aan zelfmoord")
    [escalation] = await world.escalations(youth_id)
    assert escalation.severity == "urgent"
    opened = escalation.opened_at
    world.clock.set(opened + timedelta(minutes=29))
    assert (await escalation_tick(world.watchers)).reminded == []
    world.clock.set(opened + timedelta(minutes=30))
    assert (await escalation_tick(world.watchers)).reminders == 1
    world.clock.set(opened + timedelta(minutes=60))
    report = await escalation_tick(world.watchers)
    assert report.backups == 1
    await world.pump()
    assert world.texts(BACKUP_CHAT)[-1].startswith("Je bent reserve voor Anouk. Mila")


async def test_lifecycle_with_a_handover_that_must_be_accepted(world):
    youth_id = await _low_mood_checkin(world, 704)
    [row] = await world.escalations(youth_id)
    anouk = await _staff(world, "coordinator")
    now = world.clock.now()
    async with world.database.transaction() as session:
        with pytest.raises(EscalationError, match="only possible when it is handover_requested"):
            await accept_handover(
                session, row.id, anouk, now, receiver_name="Piet", organisation="Gemeente"
            )
    async with world.database.transaction() as session:
        await acknowledge(session, row.id, anouk, now)
        await start_work(session, row.id, anouk, now + timedelta(hours=1))
        # Tuesday 12:00: asked; the coordinator stays responsible until it is accepted.
        await request_handover(
            session,
            row.id,
            anouk,
            now + timedelta(hours=2),
            receiver_name="Piet de Vries",
            organisation="Gemeente Tilburg",
        )
    [row] = await world.escalations(youth_id)
    assert row.state == "handover_requested"
    assert row.next_reminder_at == datetime(2026, 9, 2, 7, 0, tzinfo=UTC)  # Wednesday 09:00

    world.clock.set(datetime(2026, 9, 2, 7, 0, tzinfo=UTC))
    report = await escalation_tick(world.watchers)
    await world.pump()
    assert report.handover_reminders == 1
    assert "Gemeente Tilburg heeft de overdracht van Lisa" in world.texts(COORDINATOR_CHAT)[-1]

    later = world.clock.now() + timedelta(hours=3)
    async with world.database.transaction() as session:
        with pytest.raises(EscalationError, match="offered to 'Gemeente Tilburg'"):
            await accept_handover(
                session, row.id, anouk, later, receiver_name="Piet", organisation="UWV"
            )
    async with world.database.transaction() as session:
        await accept_handover(
            session,
            row.id,
            anouk,
            later,
            receiver_name="Piet de Vries",
            organisation="Gemeente Tilburg",
        )
    [row] = await world.escalations(youth_id)
    assert row.state == "handed_over" and row.handover_accepted_at == later
    assert row.next_reminder_at is None
    async with world.database.transaction() as session:
        with pytest.raises(EscalationError, match="unknown outcome"):
            await close(session, row.id, anouk, later, "vanished")
    async with world.database.transaction() as session:
        await close(session, row.id, anouk, later + timedelta(days=1), "gemeente_support")
    async with world.database.session() as session:
        row = (await session.exec(select(Escalation).where(Escalation.id == row.id))).one()
    assert row.state == "closed" and row.outcome == "gemeente_support"
    assert [(h["from"], h["to"]) for h in row.history] == [
        (None, "open"),
        ("open", "acknowledged"),
        ("acknowledged", "in_progress"),
        ("in_progress", "handover_requested"),
        ("handover_requested", "handed_over"),
        ("handed_over", "closed"),
    ]
    assert row.history[-1]["by"] == f"staff:{anouk.id}"
    assert row.history[4]["by"] == "Piet de Vries (Gemeente Tilburg)"


async def test_someone_else_cannot_acknowledge_by_button(world):
    youth_id = await _low_mood_checkin(world, 705)
    [row] = await world.escalations(youth_id)
    async with world.database.transaction() as session:
        outsider = StaffUser(
            email="x@example.nl",
            name="Xander",
            role="coordinator",
            telegram_chat_id=9099,
            created_at=world.clock.now(),
        )
        session.add(outsider)
    world.emu.control.add_user(9099, "Xander")
    world.emu.control.send_command(9099, "help")
    await world.pump()
    from bot.channels.base import IncomingEvent

    await world.router.handle(
        IncomingEvent(
            channel="telegram",
            update_id=5_000_001,
            chat_id=9099,
            user_id=9099,
            kind="button",
            button_data=f"e:ack:{row.id}",
        )
    )
    await world.pump()
    assert world.texts(9099)[-1].startswith("Deze melding is niet voor jou.")
    [row] = await world.escalations(youth_id)
    assert row.state == "open"
