"""A coordinator who answers the youth opens a human conversation: automated check-ins wait
(`bot.outreach.holds`, the dispatcher's hold check) until the escalation is closed."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.delivery.dispatcher import Dispatcher
from bot.models import StaffUser
from bot.outreach.holds import human_conversation_open
from bot.watchers import close

from .conftest import COORDINATOR_CHAT

pytestmark = pytest.mark.db


async def test_checkins_wait_while_a_coordinator_talks_with_the_youth(world):
    world.dispatcher = Dispatcher(
        world.database,
        world.dispatcher.channel,
        world.clock,
        worker_id="held",
        rate_per_second=1000,
        per_chat_interval=0,
        hold_check=human_conversation_open,
    )
    youth_id = await world.onboard(961, first_name="Sem")
    await world.say(961, "kan iemand mij bellen?")
    relay = next(
        m["message_id"]
        for m in world.emu.control.bot_messages(COORDINATOR_CHAT)
        if m["text"] == "Sem: kan iemand mij bellen?"
    )
    await world.say(COORDINATOR_CHAT, "Ik bel je zo.", reply_to=relay)
    [escalation] = await world.escalations(youth_id)
    assert escalation.state == "acknowledged"

    before = len(world.texts(961))
    await world.start_checkin(youth_id)  # automated: held, not sent
    assert len(world.texts(961)) == before
    assert world.dispatcher.stats.held >= 1

    async with world.database.transaction() as session:
        staff = await session.get(StaffUser, world.ids["coordinator"])
        await close(session, escalation.id, staff, world.clock.now(), "no_action_needed")
    world.clock.advance(timedelta(minutes=16))  # the hold is re-checked after 15 minutes
    await world.pump()
    assert world.texts(961)[before].startswith("Hoi Sem! Hier is Pro Tilburg weer.")
