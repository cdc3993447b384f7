"""A block seen twice (a 403 while sending, then Telegram's member update) is one signal; link
buttons survive the outbox payload, and older payloads still read."""

from __future__ import annotations

import pytest
from sqlmodel import select

from bot.channels.base import Button, OutgoingMessage
from bot.delivery.outbox import enqueue
from bot.models import Signal

from .conftest import COORDINATOR_CHAT


@pytest.mark.db
async def test_a_block_found_by_the_dispatcher_and_by_telegram_is_one_signal(world):
    youth_id = await world.onboard(951, first_name="Daan")
    world.emu.control.block(951)  # the member update waits in getUpdates for now
    async with world.database.transaction() as session:
        await enqueue(
            session,
            OutgoingMessage(chat_id=951, text="Hoi Daan"),
            youth_id=youth_id,
            now=world.clock.now(),
        )
    await world.dispatcher.drain()  # 403: the dispatcher records a bot_blocked event
    report = await world.watchers.tick()
    assert report.blocked_events == 1
    await world.pump()  # now the router sees Telegram's "kicked" update too
    async with world.database.session() as session:
        signals = (await session.exec(select(Signal).where(Signal.youth_id == youth_id))).all()
    assert [s.rule_id for s in signals] == ["bot_geblokkeerd"]
    assert sum("Daan (" in t for t in world.texts(COORDINATOR_CHAT)) == 1
    assert (await world.watchers.tick()).blocked_events == 0


def test_link_buttons_round_trip_and_old_payloads_still_read():
    message = OutgoingMessage(
        chat_id=1,
        text="x",
        buttons=((Button("Ik pak het op", "e:ack:1"),), (Button("Open", url="https://p/y/1"),)),
    )
    payload = message.to_payload()
    assert payload["buttons"][0] == [{"label": "Ik pak het op", "data": "e:ack:1"}]
    assert payload["buttons"][1] == [{"label": "Open", "data": "", "url": "https://p/y/1"}]
    assert OutgoingMessage.from_payload(1, payload) == message
    old = {"text": "x", "buttons": [[{"label": "Ja", "data": "c:a:b:ja"}]]}
    assert OutgoingMessage.from_payload(1, old).buttons == ((Button("Ja", "c:a:b:ja"),),)
