"""The crisis protocol: the calm reply goes out directly, even while the outbox is stalled by a
429 storm, and the coordinator AND the backup get an urgent alert at once."""

from __future__ import annotations

import pytest
from sqlmodel import select

from bot.channels.base import OutgoingMessage
from bot.crisis import crisis_reply
from bot.delivery.outbox import enqueue
from bot.models import ChatMessage, OutboxMessage

from .conftest import BACKUP_CHAT, COORDINATOR_CHAT

pytestmark = pytest.mark.db


@pytest.mark.parametrize(
    ("language", "text", "expected"),
    [
        ("nl", "ik wil dood", "Dank je dat je dit vertelt."),
        ("en", "I want to kill myself", "Thank you for telling me."),
    ],
)
async def test_the_crisis_reply_arrives_while_a_429_storm_stalls_the_outbox(
    world, language, text, expected
):
    youth_id = await world.onboard(801, first_name="Mila", language=language)
    # Routine work is waiting in the outbox, and Telegram answers every send with 429 for 3 s.
    async with world.database.transaction() as session:
        for _ in range(20):
            await enqueue(
                session,
                OutgoingMessage(chat_id=COORDINATOR_CHAT, text="routine"),
                youth_id=None,
                requires_consent=False,
                now=world.clock.now(),
            )
    world.emu.faults.storm(retry_after=1, seconds=3, methods=["sendMessage"])
    before = world.emu.control.counters()["requests"].get("sendMessage", 0)

    world.emu.control.send_text(801, text)
    await world.receive()  # the router handles it; the dispatcher does not run at all
    await world.watchers.settle()

    reply = world.emu.control.bot_messages(801)[-1]["text"]
    assert reply.startswith(expected)
    assert reply == crisis_reply(language, "Anouk")  # the calm text, in the youth's language
    assert "113" in reply and "112" in reply
    # The direct sender waited as Telegram asked (retry_after), then got through.
    assert world.monotonic.sleeps and all(s >= 1 for s in world.monotonic.sleeps)
    assert world.emu.control.counters()["requests"]["sendMessage"] > before
    assert world.emu.faults.injected["storm"] >= 1
    for chat in (COORDINATOR_CHAT, BACKUP_CHAT):
        alert = world.emu.control.bot_messages(chat)[-1]
        assert alert["text"].startswith("DRINGEND. In Beeld: Mila (Pro Tilburg)")
        assert text not in alert["text"] and "Achternaam" not in alert["text"]
        assert alert["buttons"][0][0]["text"] == "Ik pak het op"

    async with world.database.session() as session:
        rows = (await session.exec(select(OutboxMessage).order_by(OutboxMessage.id))).all()
        crisis_rows = [r for r in rows if r.priority >= 100]
        timeline = (
            await session.exec(
                select(ChatMessage).where(
                    ChatMessage.youth_id == youth_id, ChatMessage.kind == "crisis"
                )
            )
        ).all()
    assert {r.status for r in crisis_rows} == {"sent"}
    assert len(crisis_rows) == 3  # the youth, the coordinator, the backup
    assert all(r.channel_message_id for r in crisis_rows)
    assert [r.status for r in rows if r.payload["text"] == "routine"] == ["pending"] * 20
    assert [m.text for m in timeline] == [reply]
    # The crisis words themselves are kept in the timeline, never in an alert.
    [escalation] = await world.escalations(youth_id)
    assert escalation.severity == "urgent" and escalation.backup_alerted_at is not None


async def test_crisis_words_are_caught_even_inside_a_checkin_and_after_stop(world):
    youth_id = await world.onboard(802, first_name="Sem")
    await world.start_checkin(youth_id)
    await world.say(802, "ik denk aan zelfmoord")
    assert world.texts(802)[-1].startswith("Dank je dat je dit vertelt.")
    await world.say(802, "stop")  # consent withdrawn
    await world.say(802, "ik wil niet meer leven")
    assert world.texts(802)[-1].startswith("Dank je dat je dit vertelt.")
    escalations = await world.escalations(youth_id)
    assert [e.severity for e in escalations] == ["urgent", "urgent"]  # urgent never waits


async def test_a_crisis_reply_the_sender_could_not_finish_goes_to_the_dispatcher(world):
    await world.onboard(803, first_name="Sem")
    # A storm longer than the direct sender's budget (45 s of retry_after).
    world.emu.faults.storm(retry_after=20, seconds=10_000, methods=["sendMessage"])
    world.emu.control.send_text(803, "ik wil dood")
    await world.receive()
    await world.watchers.settle()
    async with world.database.session() as session:
        rows = (
            await session.exec(select(OutboxMessage).where(OutboxMessage.priority >= 100))
        ).all()
    assert {r.status for r in rows} == {"pending"}  # handed over, not lost
    world.emu.faults.clear()
    await world.dispatcher.drain()
    assert world.texts(803)[-1].startswith("Dank je dat je dit vertelt.")


async def test_nothing_is_sent_when_the_transaction_rolls_back(world):
    youth_id = await world.onboard(804, first_name="Sem")
    before = len(world.texts(804))
    with pytest.raises(RuntimeError):
        async with world.database.transaction() as session:
            youth = await session.get(type(await world.youth(youth_id)), youth_id)
            assert await world.watchers.crisis(session, youth, "ik wil dood", world.clock.now())
            raise RuntimeError("the update failed after the crisis check")
    await world.watchers.settle()
    assert len(world.texts(804)) == before
    assert await world.escalations(youth_id) == []
