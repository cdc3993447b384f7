"""The human handoff: the youth asks for a person, messages are relayed both ways through
Telegram replies; e-mail when a coordinator has no Telegram or Telegram refuses."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import pytest
from sqlmodel import select

from admin.views.youths import _timeline
from bot.models import ChatMessage, StaffUser
from bot.watchers import RelayError, escalation_tick

from .conftest import COORDINATOR_CHAT, PANEL

pytestmark = pytest.mark.db

ZONE = ZoneInfo("Europe/Amsterdam")


async def _alert_delivery(world, youth_id):
    """The delivery line of the alert on the youth's timeline in the panel."""
    async with world.database.session() as session:
        items = await _timeline(session, youth_id, True, ZONE)
    [alert] = [i for i in items if i.title == "Bericht aan de coördinator over deze jongere"]
    assert alert.delivery is not None
    return alert.delivery.state, alert.delivery.text


def _message_id(world, chat, startswith):
    for message in reversed(world.emu.control.bot_messages(chat)):
        if (message["text"] or "").startswith(startswith):
            return message["message_id"]
    raise AssertionError(f"no message starting with {startswith!r}")


async def test_relay_both_ways_by_replying_in_telegram(world):
    youth_id = await world.onboard(901, first_name="Sem")
    await world.say(901, "ik wil praten")
    assert world.texts(901)[-1] == "Dank je voor je bericht. Ik stuur het door naar Anouk."
    [escalation] = await world.escalations(youth_id)
    assert escalation.conversation_requested_at is not None
    coordinator = world.texts(COORDINATOR_CHAT)
    assert coordinator[-2].startswith("In Beeld: Sem (Pro Tilburg) wil iemand spreken.")
    assert coordinator[-1] == "Sem: ik wil praten"  # first name only

    relay_id = _message_id(world, COORDINATOR_CHAT, "Sem: ik wil praten")
    await world.say(COORDINATOR_CHAT, "Hoi Sem, ik bel je morgen om 10 uur.", reply_to=relay_id)
    assert world.texts(901)[-1] == "Bericht van Anouk: Hoi Sem, ik bel je morgen om 10 uur."
    assert world.texts(COORDINATOR_CHAT)[-1] == "Doorgestuurd naar Sem."
    [escalation] = await world.escalations(youth_id)
    assert escalation.state == "acknowledged"  # answering is picking it up
    assert escalation.acknowledged_by == world.ids["coordinator"]

    # The conversation goes on: the youth's next message is relayed too, nothing new opens.
    await world.say(901, "oké, dank je")
    assert world.texts(COORDINATOR_CHAT)[-1] == "Sem: oké, dank je"
    assert len(await world.escalations(youth_id)) == 1

    # Replying to the alert itself works as well.
    alert_id = _message_id(world, COORDINATOR_CHAT, "In Beeld: Sem")
    await world.say(COORDINATOR_CHAT, "Tot morgen!", reply_to=alert_id)
    assert world.texts(901)[-1] == "Bericht van Anouk: Tot morgen!"

    # A message that replies to nothing cannot be routed: the coordinator is told how.
    await world.say(COORDINATOR_CHAT, "Hallo?")
    assert world.texts(COORDINATOR_CHAT)[-1].startswith("Voor wie is dit?")

    async with world.database.session() as session:
        timeline = (
            await session.exec(
                select(ChatMessage).where(ChatMessage.youth_id == youth_id).order_by(ChatMessage.id)
            )
        ).all()
    said = [(m.direction, m.kind, m.text, m.author_staff_id) for m in timeline]
    assert ("in", "text", "ik wil praten", None) in said
    assert (
        "out",
        "relay",
        "Hoi Sem, ik bel je morgen om 10 uur.",
        world.ids["coordinator"],
    ) in said
    assert ("in", "text", "oké, dank je", None) in said


async def test_the_handoff_button_in_a_checkin_alerts_the_coordinator(world):
    youth_id = await world.onboard(902, first_name="Noor")
    await world.start_checkin(youth_id)
    await world.tap(902, "Ik wil iemand spreken")
    [escalation] = await world.escalations(youth_id)
    assert escalation.conversation_requested_at is not None
    alert = world.texts(COORDINATOR_CHAT)[-1]
    assert alert.startswith("In Beeld: Noor (Pro Tilburg) wil iemand spreken.")
    assert "Vraagt om iemand te spreken." in alert


async def test_the_panel_can_write_to_a_youth(world):
    youth_id = await world.onboard(903, first_name="Daan")
    async with world.database.transaction() as session:
        youth = await session.get(type(await world.youth(youth_id)), youth_id)
        staff = await session.get(StaffUser, world.ids["coordinator"])
        await world.watchers.send_staff_message(
            session, youth, staff, "Hoe gaat het?", world.clock.now()
        )
        with pytest.raises(RelayError, match="empty"):
            await world.watchers.send_staff_message(session, youth, staff, "  ", world.clock.now())
    await world.pump()
    assert world.texts(903)[-1] == "Bericht van Anouk: Hoe gaat het?"


async def _unlink(world, key):
    async with world.database.transaction() as session:
        staff = await session.get(StaffUser, world.ids[key])
        staff.telegram_chat_id = None
        session.add(staff)


async def test_a_coordinator_without_telegram_gets_the_alert_by_email(world):
    await _unlink(world, "coordinator")
    youth_id = await world.onboard(904, first_name="Lisa")
    await world.start_checkin(youth_id)
    await world.answer(904, "😞", "Niks op dit moment", "Ik neem even rust", "Geld")
    await world.answer(904, "Ja, bel me")
    await world.say(904, "ik heb een nieuwe fiets")  # free text, never mailed
    [mail] = world.mailbox.messages
    assert mail["To"] == "anouk@example.nl"
    assert mail["Subject"] == "In Beeld: melding over Lisa"
    body = mail.get_payload(decode=True).decode()
    assert body.startswith("In Beeld: Lisa (Pro Tilburg) heeft aandacht nodig.")
    assert f"/youths/{youth_id}" in body
    assert "Achternaam" not in body and "fiets" not in body
    state, text = await _alert_delivery(world, youth_id)
    assert state == "sent"
    assert text.startswith("Per e-mail verzonden op ")

    # A message from the youth is announced by mail without its words.
    await world.say(904, "wanneer bel je?")
    relay = world.mailbox.messages[-1].get_payload(decode=True).decode()
    assert relay.startswith("Lisa (Pro Tilburg) stuurde je een bericht")
    assert "wanneer" not in relay


async def test_when_telegram_refuses_the_alert_it_goes_by_email(world):
    world.emu.control.block(COORDINATOR_CHAT)  # the coordinator blocked the bot
    await world.pump()
    youth_id = await world.onboard(905, first_name="Sem")
    await world.start_checkin(youth_id)
    await world.answer(905, "😞", "Niks op dit moment", "Ik neem even rust", "Geld")
    await world.answer(905, "Ja, bel me", "Sla over")
    assert world.mailbox.messages == []  # the outbox tried Telegram first
    report = await escalation_tick(world.watchers)
    assert report.emails_sent == 1
    [mail] = world.mailbox.messages
    assert mail["Subject"] == "In Beeld: melding over Sem"
    assert (await escalation_tick(world.watchers)).emails_sent == 0  # only once
    state, text = await _alert_delivery(world, youth_id)
    assert state == "sent"
    assert text.startswith("Via Telegram lukte het niet. Daarom per e-mail verzonden op ")

    # Urgent alerts go directly, so the fallback is immediate; the backup still gets Telegram.
    await world.say(905, "ik wil dood")
    urgent = [m for m in world.mailbox.messages if m["Subject"].startswith("DRINGEND")]
    assert len(urgent) == 1 and urgent[0]["To"] == "anouk@example.nl"


async def test_asking_for_a_person_joins_the_open_case_and_is_relayed(world):
    youth_id = await world.onboard(906, first_name="Lisa")
    await world.start_checkin(youth_id)
    await world.answer(906, "😞", "Niks op dit moment", "Ik neem even rust", "Geld")
    await world.answer(906, "Ja, bel me", "Sla over")
    alerts = len(world.texts(COORDINATOR_CHAT))
    await world.say(906, "Ik wil iemand spreken")
    [escalation] = await world.escalations(youth_id)  # no second case, no second alert
    assert escalation.conversation_requested_at is not None
    new = world.texts(COORDINATOR_CHAT)[alerts:]
    assert new[0].startswith("Lisa (Pro Tilburg) wil iemand spreken.")
    assert new[1] == "Lisa: Ik wil iemand spreken"
    assert len(new) == 2


async def test_representative_and_erasure_requests_reach_the_coordinator(world):
    from datetime import date

    await world.onboard(907, first_name="Jip", date_of_birth=date(2011, 3, 1))
    assert world.texts(COORDINATOR_CHAT)[-1].startswith(
        "Jip (Pro Tilburg) zei ja, maar een ouder, verzorger of mentor"
    )
    world.emu.control.send_command(907, "mijngegevens")
    await world.pump()
    await world.tap(907, "Wis mijn gegevens")
    note = world.texts(COORDINATOR_CHAT)[-1]
    assert note.startswith("Jip (Pro Tilburg) vraagt om alle gegevens te wissen.")
    assert "/youths/" in note


async def test_a_coordinator_task_arrives_by_telegram_or_else_by_email(world):
    youth_id = await world.onboard(908, first_name="Jip")
    note = "Geen antwoord op check-in maand 3. Neem persoonlijk contact op."
    async with world.database.transaction() as session:
        youth = await session.get(type(await world.youth(youth_id)), youth_id)
        await world.watchers.coordinator_task(session, youth, note, world.clock.now())
    await world.pump()
    task = world.emu.control.bot_messages(COORDINATOR_CHAT)[-1]
    assert task["text"] == f"Taak bij Jip (Pro Tilburg): {note}"
    assert task["buttons"] == [[{"text": "Open in panel", "url": f"{PANEL}/youths/{youth_id}"}]]
    assert await world.escalations(youth_id) == []  # a task is no alert

    await _unlink(world, "coordinator")
    async with world.database.transaction() as session:
        youth = await session.get(type(await world.youth(youth_id)), youth_id)
        await world.watchers.coordinator_task(session, youth, note, world.clock.now())
    await world.watchers.settle()
    [mail] = world.mailbox.messages
    assert mail.get_payload(decode=True).decode().startswith(f"Taak bij Jip (Pro Tilburg): {note}")
