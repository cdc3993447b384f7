"""Every outgoing message on the youth's timeline points at the outbox row that sends it: the
onboarding replies (router) and a check-in (outreach tick), as the service writes them."""

from __future__ import annotations

import pytest
from sqlmodel import col, select

from bot.models import ChatMessage, OutboxMessage
from tests.outreach.conftest import Env

pytestmark = pytest.mark.db

CHAT = 710
GREETING = "Hier is Pro Tilburg weer"


async def _outgoing(env: Env, youth_id: int) -> list[tuple[ChatMessage, OutboxMessage | None]]:
    async with env.database.session() as session:
        return list(
            (
                await session.exec(
                    select(ChatMessage, OutboxMessage)
                    .outerjoin(OutboxMessage, col(OutboxMessage.id) == col(ChatMessage.outbox_id))
                    .where(ChatMessage.youth_id == youth_id, ChatMessage.direction == "out")
                    .order_by(col(ChatMessage.id))
                )
            ).all()
        )


async def test_replies_and_checkins_are_linked_to_their_outbox_rows(env: Env) -> None:
    youth_id = await env.onboard(CHAT)
    replies = await _outgoing(env, youth_id)
    assert replies, "onboarding answers the youth"
    for message, outbox in replies:
        assert outbox is not None, message.kind
        assert (outbox.chat_id, outbox.youth_id) == (CHAT, youth_id)
        assert outbox.payload["text"] == message.text, "linked to its own row, not a neighbour"
        assert outbox.status == "sent"

    first_checkin = await env.next_due(youth_id)
    assert first_checkin is not None
    env.clock.set(first_checkin)
    delivered = await env.step()
    assert any(GREETING in m.text for m in delivered)
    checkins = [
        (message, outbox)
        for message, outbox in (await _outgoing(env, youth_id))[len(replies) :]
        if message.text and GREETING in message.text
    ]
    assert len(checkins) == 1
    message, outbox = checkins[0]
    assert outbox is not None and outbox.automated and outbox.requires_consent
    assert outbox.payload["text"] == message.text and outbox.status == "sent"
    # No two messages share a row.
    linked = [m.outbox_id for m, _ in await _outgoing(env, youth_id)]
    assert len(linked) == len(set(linked))
