"""The crisis reply and the coordinators' urgent alerts on the youth's timeline point at the
outbox rows that sent them (the direct sender's rows, through Telegram's emulator)."""

from __future__ import annotations

import pytest
from sqlmodel import col, select

from bot.models import ChatMessage, OutboxMessage

from .conftest import BACKUP_CHAT, COORDINATOR_CHAT

pytestmark = pytest.mark.db


async def test_the_crisis_reply_and_the_alerts_are_linked_to_their_outbox_rows(world):
    youth_id = await world.onboard(811, first_name="Mila")
    world.emu.control.send_text(811, "ik wil dood")
    await world.receive()
    await world.watchers.settle()

    async with world.database.session() as session:
        rows = (
            await session.exec(
                select(ChatMessage, OutboxMessage)
                .join(OutboxMessage, col(OutboxMessage.id) == col(ChatMessage.outbox_id))
                .where(ChatMessage.youth_id == youth_id, ChatMessage.kind != "text")
            )
        ).all()
    by_kind: dict[str, list[OutboxMessage]] = {}
    for message, outbox in rows:
        assert outbox.payload["text"] == message.text
        by_kind.setdefault(message.kind, []).append(outbox)
    [crisis] = by_kind["crisis"]
    assert crisis.chat_id == 811 and crisis.priority >= 100 and crisis.status == "sent"
    alerts = by_kind["staff_alert"]
    assert {a.chat_id for a in alerts} == {COORDINATOR_CHAT, BACKUP_CHAT}
    assert {a.status for a in alerts} == {"sent"}
